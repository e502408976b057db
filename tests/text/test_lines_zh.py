"""The boilerplate line classifier: every kind the seeds show, and body sentences that must stay."""

import pytest

from pipelines.text.lines_zh import BoilerplateClassifier
from pipelines.text.metadata import line_field_candidates


@pytest.fixture(scope="module")
def clf():
    return BoilerplateClassifier()


@pytest.mark.parametrize(
    "line, kind",
    [
        ("2010年11月04日 13:33 8829次瀏覽 來源: 新華網山西頻道 分類: 鋁資訊", "meta"),
        ("來源: 黨群工作部時間: 2011-09-16作者: 管理員", "meta"),
        ("時間:2023-02-13 10:55:43    來源:中國有色網", "meta"),
        ("2012年01月11日15:33 来源：人民网 手机看新闻", "meta"),
        ("您当前的位置:材料 >  >>", "breadcrumb"),
        ("責任編輯:wuren", "editor"),
        ("责任编辑:韩鹏飞", "editor"),
        ("(责任编辑：王芳)", "editor"),
        ("(文 牛小科 潘京)", "byline"),
        ("如需了解更多信息,請登錄中國有色網:fu-jin.com了解更多信息。", "promo"),
        ("中國有色網聲明:本網所有內容的版權均屬於作者或頁面內聲明的版權人。", "copyright"),
        ("凡本網注明“來源:“XXX(非中國有色網或非中國有色金屬報)”的文章,均轉載自其它媒體,轉載目的在於傳遞更多信息,並不構成投資建議,僅供讀者參考。", "copyright"),
        ("若據本文章操作,所有後果讀者自負,中國有色網概不負任何責任。", "disclaimer"),
        ("如需轉載,轉載方必須與中國有色網( 郵件:cnmn@cnmn.com.cn 或 電話:010-63971479)聯系,簽署授權協議,取得轉載授權;", "copyright"),
        ("Copyright : 2013-2021 Chinaluan.com All Rights Reserved 晉ICP備09009176號", "icp"),
        ("晉公網安備 14042302000119號 51La", "icp"),
        ("本網站所刊登的各類信息,均為潞安化工集團版權所有,未經協議授權,禁止轉載", "copyright"),
        ("網站內容維護:集團新聞中心 總機:0355-5921114", "contact"),
        ("关键词: 生产经营 党建工作 充分发挥 各级党组织 降本增效", "keywords"),
        ("X 关闭", "ui"),
        ("【资料图】", "ui"),
        ("- 附件:", "ui"),
        ("分享到：微信 微博 QQ空间", "ui"),
        ("上一篇：中铝集团召开安全生产工作会议", "ui"),
        ("【打印本页】【关闭窗口】", "ui"),
        ("免责声明：本站信息仅供参考，不构成投资建议，据此操作风险自担。", "disclaimer"),
        ("（原标题：多地项目连环爆雷 狂奔的龙湖集团“暗伤”曝露？）", "original_title"),
        ("本文原标题：《定了！广州南沙邮轮母港即将开通！》", "original_title"),
        ("- 原標題：蘋果回應“違反中國勞動法”", "original_title"),
        ("本文来源：新京报", "meta"),
        ("编辑 刘晓阳 校对 李铭", "editor"),
        ("编辑|禤志杰", "editor"),
        ("校对｜黄慧敏", "editor"),
        ("扫描下方二维码解锁更多技能", "promo"),
        ("2、回复【福利】查看各种政策福利", "promo"),
        ("\ufffd\ufffd\ufffd\ufffd", "garbled"),
    ],
)
def test_boilerplate_kinds(clf, line, kind):
    assert clf.classify(line).kind == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "会议指出，过去一年部分企业隐患排查不深不细，违章作业仍是事故的主要来源。",
        "集团安全总监在会上宣读了安全生产责任声明，各二级企业主要负责人现场签订了安全生产责任书。",
        "会议还决定，由集团安全环保部牵头组织编辑新版《安全生产标准化手册》，于今年6月底前下发各企业执行。",
        "外交部发言人在例行记者会上发表声明，重申中方在这一问题上的立场。",
        "据了解，该批货物的来源已经查明，相关责任人已被移交司法机关处理。",
        "2023年1月16日，中铝集团召开2023年安全生产工作会议，总结2022年安全生产工作。",
        "他曾在报社担任编辑多年，后来转行从事企业管理工作，时间长达十余年。",
        "中铝公司党组书记、董事长熊维平多次听取山西企业情况汇报，作出重要指示。",
        "上级重视 要求严格——关心 指导 帮助",
        "扎實有效融入中心推進",
        "原标题和新标题的差别在于读者的关注点不同，记者注意到了这一变化。",
        "编辑部今天收到了很多来信，校对工作也在有序进行。",
        "本文来源于一项覆盖全国的网络调查，数据显示今年的增长率为3%。",
        "市民扫描公交站牌上的二维码，就能查询车辆实时到站信息。",
    ],
)
def test_body_sentences_stay(clf, sentence):
    assert clf.classify(sentence).kind is None


def test_metadata_moves_into_fields(clf):
    v = clf.classify("2014年10月27日 16:32 3401次浏览 来源: 中国有色网 分类: 电解铝 作者: 柴若曦 王泽生")
    assert v.fields["source"] == "中国有色网"
    assert v.fields["author"] == "柴若曦 王泽生"
    assert [c.value for c in line_field_candidates(v.fields) if c.field == "published"] == ["2014-10-27T16:32:00"]
    v = clf.classify("來源: 新華網山西頻道 時間: 2010-11-04")
    assert v.fields["source"] == "新華網山西頻道"  # in the page's own script
    assert [c.value for c in line_field_candidates(v.fields) if c.field == "published"] == ["2010-11-04"]
    assert clf.classify("責任編輯:韓鵬飛").fields["editor"] == "韓鵬飛"
    assert clf.classify("(文 牛小科 潘京)").fields["author"] == "牛小科 潘京"


def test_strip_keeps_body_and_reports_kinds(clf):
    text = "\n".join([
        "企業新聞",
        "來源: 本站 時間:2014-09-11 11:20:18",
        "如何讓黨(dǎng)政合力，凸顯(xiǎn)倍增效能，是各級黨組織孜孜以求的工作方向(fāng xiàng)。",
        "責任編輯:韓鵬飛",
        "晉ICP備09009176號",
    ])
    r = clf.strip(text, "企業新聞")
    assert r.text == "如何讓黨政合力，凸顯倍增效能，是各級黨組織孜孜以求的工作方向。"
    assert r.removed == {"title": 1, "meta": 1, "editor": 1, "icp": 1}
    assert r.pinyin_removed == 3
    assert r.fields["source"] == "本站" and r.fields["editor"] == "韓鵬飛"

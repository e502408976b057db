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
        ("本作品采用《CC 协议》，转载必须注明作者和本文链接", "copyright"),
        ("本文采用知识共享署名 4.0 国际许可协议进行许可", "copyright"),
        ("[ 本帖最后由 空空追梦 于 2009-10-13 15:35 编辑 ]", "edit_notice"),
        ("本帖最後由 luugoo 於 2010-1-16 00:32 編輯", "edit_notice"),
        ("此帖被小明在2010-01-16 00:32重新编辑", "edit_notice"),
        ("my38778570 的个人博客 / 37 / 0 / 创建于 11个月前", "timestamp"),
        ("kamonka 发表于 2009-12-28 15:25", "timestamp"),
        ("我要举报该，理由是：", "ui"),
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
        "开源社区普遍采用CC协议和MIT协议，作者可以自行选择许可方式。",
        "本帖最后由于篇幅所限，作者在2009年10月13日编辑时删去了一段。",
        "这份白皮书发布于2010年6月8日。",
        "我要举报的是楼下那家餐馆长期占道经营的问题，希望有关部门尽快处理。",
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


ARTICLE = [
    "本周沪铝主力合约震荡上行，周五收于每吨18960元，较上周上涨1.8%，周内成交量较前一周放大。",
    "分析人士认为，春节后下游加工企业陆续复工，铝锭社会库存累库速度低于市场预期，对价格形成支撑。",
    "云南地区电解铝企业因来水偏枯继续执行限电减产，2月中旬以来合计影响运行产能约八十万吨。",
    "与此同时，海外能源价格回落，欧洲部分停产产能存在复产预期，国际铝价上行空间受到一定抑制。",
    "展望下周，市场关注宏观数据与库存变化，预计沪铝以区间震荡为主，操作上建议逢低适量布局。",
]
# A related-news block's summaries, cut at a fixed width (36 characters).
TEASERS = [
    "近日，工业和信息化部发布电解铝行业产能置换实施办法，明确了产能置换",
    "记者从中国有色金属工业协会再生金属分会获悉，今年我国再生铝产量预计",
    "海关总署最新数据显示，一月我国未锻轧铝及铝材出口量同比下降百分之十",
]


def test_a_related_block_of_cut_teasers_leaves_an_article():
    from pipelines.text.lines_zh import drop_teaser_runs

    assert drop_teaser_runs(ARTICLE + TEASERS) == (ARTICLE, 3)


def test_a_hard_wrapped_text_keeps_its_lines_of_equal_length():
    """A blog's lines between photos (pixnet): pauses as spaces and no sentence ends, so the
    longer stretches of near-equal lines are no teaser block; the text is all like that."""
    from pipelines.text.lines_zh import drop_teaser_runs

    wrapped = [
        "一波波接續性低溫寒流報到 已將新竹尖石鄉後山一帶層層山巒披上嫣紅的彩衣",
        "玉峰道路一路上雲氣山嵐滯留山頭 順路下切蜿蜒道路後不久即抵達來到玉峰國小",
        "美樹美如其名偌大楓香樹早已呈現金黃 泛紅色彩也是愛攝人仕所喜愛造訪之地",
        "來到現場已是落葉飄飄堆疊滿地 不時隨著風吹雨襲而葉落垂地",
        "不忍踩過剛剛掉落的樹葉 沿著前人足跡踏痕輕踩而行",
        "雖然只是一廂情願的想法 終究還是不可避免地將會化為塵土",
        "偶而還會飄下來一些霧氣水滴 不時張望尋找最佳楓葉主題",
        "外拍的攝影班學員一堆早已不時穿梭其間",
        "雨水洗塵後的枝頭固然掉落些葉片是否也洗去塵勞憂傷",
    ]
    assert drop_teaser_runs(wrapped) == (wrapped, 0)
    # A ranking's items are no style of the text: the teasers above an article still go.
    ranking = [f"- {i}{i * 7919}某地发生一起交通事故 多部门联合处置" for i in range(1, 7)]
    assert drop_teaser_runs(ARTICLE + ranking + TEASERS)[1] == 3


def test_a_real_hard_wrapped_blog_keeps_its_opening_lines():
    """pixnet__1 (zh_forum_blog): we dropped its first twelve lines and three more as teasers."""
    import json
    from pathlib import Path

    from crawler.offline import build_stage_chain

    folder = Path(__file__).resolve().parents[2] / "bench" / "data" / "zh_forum_blog"
    url = next(r["url"] for r in map(json.loads, (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines()) if r["id"] == "pixnet__1")
    item = build_stage_chain({"TEMPLATE_ENABLED": False}).page((folder / "html" / "pixnet__1.html").read_bytes(), {}, url, url_is_article=True)
    gold = (folder / "gold" / "pixnet__1.txt").read_text(encoding="utf-8").split("\n")
    lines = item.text.split("\n")
    assert lines[0] == gold[0] and "這兩間是民宿房間 跟著民宿主人\"簍信\"聊起來還提到日後將改變成兩層木屋" in lines

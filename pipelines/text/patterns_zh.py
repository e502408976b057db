"""Chinese boilerplate patterns, as data.

Lines are matched after traditional -> simplified conversion and NFKC (so
full-width colons are ':' and one pattern covers 責任編輯 and 责任编辑).
Each group says what it catches and why it is safe for body text: a
boilerplate line is short and *starts with* or *consists of* the cue; body
sentences merely mentioning 来源, 声明 or 编辑 do neither.
"""

from __future__ import annotations

import re

DATE = r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
TIME = r"(?:\d{1,2}:\d{2}(?::\d{2})?)"
COLON = r"\s*[:：|｜]\s*"  # "编辑|禤志杰": WeChat-style credits use a bar

# Metadata cues in header lines: "2014年10月27日 16:32 3401次浏览 来源: 中国有色网 分类: 电解铝 作者: 柴若曦"
META_CUES = re.compile(
    r"来源" + COLON + r"|稿源" + COLON + r"|出处" + COLON + r"|时间" + COLON + r"|发布(?:时间|日期)" + COLON
    + r"|日期" + COLON + r"|作者" + COLON + r"|编辑" + COLON + r"|分类" + COLON + r"|栏目" + COLON
    + r"|\d+\s*次(?:浏览|阅读|点击)|浏览(?:次数|量)?" + COLON + r"|点击(?:数|量|率)?" + COLON + r"|阅读(?:数|量)?" + COLON
    + r"|字号" + COLON + r"|手机看新闻|" + DATE
)

# Field extraction from a metadata line. The value runs until the next cue or the line end.
_NEXT_CUE = r"(?=\s+\S{1,6}" + COLON + r"|\s+\d+\s*次|\s+手机看新闻|\s*$|\s{2,}|\s*" + DATE + ")"
FIELD_SOURCE = re.compile(r"(?:来源|稿源|出处|转载自)" + COLON + r"(.{1,40}?)" + _NEXT_CUE)
FIELD_AUTHOR = re.compile(r"(?:作者|撰文|文|记者|通讯员)" + COLON + r"(.{1,40}?)" + _NEXT_CUE)
FIELD_EDITOR = re.compile(r"(?:责任编辑|责编|编辑|值班编辑|实习编辑)" + COLON + r"(.{1,30}?)" + _NEXT_CUE)
FIELD_DATETIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)

# Breadcrumbs and keyword lines: the boilerplate stage removes them from the text, and
# their values are the section and keywords fields (pipelines/text/taxonomy.py).
BREADCRUMB_LINE = re.compile(r"^(?:您(?:当前|现在)?的?(?:位置|所在位置)|当前位置|所在位置|现在位置|位置)" + COLON)
BREADCRUMB_PATH = re.compile(r"^(?:首页|网站首页|主页)\s*(?:>|>>|»|/|→|\s-\s)")
KEYWORDS_LABEL = r"(?:文章|本文|新闻)?(?:关键词|关键字|标签|tags?)"
KEYWORDS_LINE = re.compile(r"^" + KEYWORDS_LABEL + COLON, re.I)

# A question-and-answer page's heading over its other answers: 更多回答 / 其他 3 条回答 /
# 查看全部 56 个回答 (a line of its own). The page's own post ends there: both trafilatura
# modes read on into the other answers, and precision mode may keep only them. Matched as the
# text is (both scripts: 個/條).
OTHER_ANSWERS_LINE = re.compile(r"^\s*(?:查看)?(?:更多|其他|其它|全部)\s*(?:\d+\s*[个個条條])?\s*(?:回答|答案)\s*$", re.M)

# Whole-line kinds. Each is (kind, pattern, max line length or None for any).
LINE_PATTERNS: list[tuple[str, re.Pattern[str], int | None]] = [
    # 责任编辑:wuren / (责任编辑：王芳) / 编辑：孙悦 / 审核：X 校对：Y
    ("editor", re.compile(r"^[(\[【]?\s*(?:责任编辑|责编|编辑|值班编辑|实习编辑|审核|校对|终审|编审|主编|监制)" + COLON + r"(?:\S.{0,40})?$"), 60),
    # Editor credits without colons, two or more in a row: 编辑 刘晓阳 校对 李铭
    ("editor", re.compile(r"^(?:责任编辑|责编|编辑|校对|审核|终审)\s+\S{2,4}(?:\s+(?:责任编辑|责编|编辑|校对|审核|终审)\s+\S{2,4})+$"), 40),
    # Repost headers, the headline again as the original outlet titled it:
    # (原标题：…) / 本文原标题：《…》 / 原题为《…》. A body sentence never opens this way.
    ("original_title", re.compile(r"^[(\[【]?\s*(?:本文)?原(?:标题|题)(?:为|是)?\s*(?:[:：]|《)"), 160),
    # Source lines naming the article's outlet: 本文来源：新京报 / 文章来源：人民网
    ("meta", re.compile(r"^(?:本文|文章|稿件|新闻)来源" + COLON + r"\S.{0,30}$"), 40),
    # Lines of nothing but U+FFFD: characters lost before the page was served (emoji, bad bytes)
    ("garbled", re.compile(r"^[\ufffd\s]+$"), None),
    # Bylines: (文 牛小科 潘京) / (记者 王明 通讯员 李华) / 文/张三 / 作者：李四
    ("byline", re.compile(r"^[(（]\s*(?:文|记者|作者|撰文|通讯员|摄影|图|文图|图文)[\s/:：]+[^()（）]{1,30}[)）]$"), 40),
    ("byline", re.compile(r"^(?:文|作者|撰文|文/图|图/文)\s*[/:：]\s*\S{1,10}(?:\s+\S{1,10}){0,3}$"), 30),
    # Breadcrumbs: 您当前的位置:首页 > 新闻 > 正文
    ("breadcrumb", BREADCRUMB_LINE, 120),
    ("breadcrumb", BREADCRUMB_PATH, 120),
    # Keyword / tag lists (their terms go to the keywords field)
    ("keywords", KEYWORDS_LINE, 200),
    # ICP, police filing and licence lines
    ("icp", re.compile(r"ICP\s*(?:备|证|许可)|公网安备|网安备\s*\d|增值电信业务经营许可证|互联网新闻信息服务许可证|网络文化经营许可证|广播电视节目制作经营许可证", re.I), 200),
    # Copyright and disclaimers
    ("copyright", re.compile(r"版权所有|版权归|copyright|©|all rights reserved|未经(?:书面|协议)?(?:授权|许可|同意).{0,12}(?:禁止|不得|严禁|请勿|不可)|禁止转载|严禁转载|谢绝转载|请勿转载|转载请(?:注明|联系)|转载.{0,6}注明(?:出处|来源|作者)|^(?:本作品|本文|本站|本博客|本网站|文章)\S{0,4}采用.{0,4}(?:CC|知识共享).{0,16}(?:协议|许可)|如需转载|转载目的在于|本网所有内容的版权|^本(?:文|作品|稿件)(?:为|系).{0,30}(?:原创|独家|专稿)", re.I), 300),
    ("disclaimer", re.compile(r"特别声明" + COLON + r"|仅提供信息存储(?:空间)?服务|^notice: the content above|is uploaded and posted by a user of|免责声明|不构成(?:任何)?投资建议|据此操作.{0,6}风险自担|后果.{0,6}自负|概不(?:负|承担)(?:任何)?(?:法律)?责任|如有侵权|侵权.{0,6}(?:删除|联系)|^(?:本网|本站|\S{1,10}网)声明" + COLON + r"|凡(?:本网)?注明.{0,20}(?:来源|转载)|仅代表作者(?:本人)?观点|与本(?:网|站)(?:立场)?无关", re.I), 300),
    # Site promos and calls to action: 如需了解更多信息,请登录中国有色网
    ("promo", re.compile(r"^如需了解更多|请登录.{0,30}了解更多|扫(?:描|一扫)?(?:二维码|码).{0,10}关注|^扫(?:描|一扫)?.{0,4}二维码|^\d{1,2}[、.]\s*回复【.{1,10}】|关注.{0,10}(?:微信)?公众号|下载.{0,10}客户端|^【\S{1,10}】\s*扫码|欢迎(?:关注|订阅)|点击(?:查看|阅读|进入)?(?:原文|全文|更多|专题)|^更多(?:精彩|内容|新闻)"), 120),
    # Interface text
    ("ui", re.compile(r"^x?\s*关闭$|^关闭窗口|分享到|^分享" + COLON + r"|^(?:上|下)一篇|^(?:上|下)一(?:条|页)" + COLON + r"|^【?(?:资料图|图片来源|图)】?$|^附件" + COLON + r"?|调整字体|字号" + COLON + r"?\s*[大中小]|^(?:【\s*)?(?:打印(?:本文|本页|此文)?|关闭(?:窗口|本页)?|返回顶部|收藏(?:本文)?|推荐给朋友|纠错)(?:\s*】)?(?:\s*【.{0,8}】)*$|打印本(?:文|页)|网友评论|发表评论|请文明上网|已有\d+条评论|我要评论|^(?:相关|延伸)(?:新闻|阅读|文章|链接|报道|专题)|^(?:热点|阅读|点击|新闻)排行|^推荐阅读|^猜你喜欢|^责任编辑$|^我要举报\S{0,6}理由是", re.I), 40),
    # Footer contact lines: 网站内容维护:集团新闻中心 总机:0355-5921114 / 举报邮箱：jubao@vip.sina.com
    ("contact", re.compile(r"^(?:网站内容维护|主办单位|承办单位|主管单位|联系电话|总机|客服热线|联系我们|地址|邮编|电子邮箱|邮箱|传真|举报(?:邮箱|电话|热线)|违法和不良信息举报)" + COLON + r"|总机" + COLON + r"\d|客服热线" + COLON), 120),
    # Share widgets and "read more": 点击右上角微信好友 / 朋友圈 / 请使用浏览器分享功能进行分享
    ("share", re.compile(r"^(?:分享让更多人看到|点击右上角.{0,10}(?:好友|分享)|朋友圈|微信好友|请使用浏览器(?:的)?分享功能.*|点击浏览器下方.*分享.*|扫一扫.{0,10}分享.*|查看更多|展开(?:全文|全部)|阅读全文|收起|加载更多|返回(?:首页|列表|搜狐，查看更多)?)$"), 60),
    # Image credits: ◎ 图：123rf / 图片来源：视觉中国 / （图片来源：网络）
    ("credit", re.compile(r"^[(（]?\s*(?:◎\s*)?(?:图片?来源|图|摄影|视频来源|题图)\s*[:：/]\s*\S{1,30}[)）]?$"), 40),
    # Encyclopedia citation stamps and reference entries: ...．金台资讯 [引用日期2024-01-12] / 3雄安高新区正式启动运行．界面新闻．2024-05-09
    ("citation", re.compile(r"\[引用日期\d{4}-\d{2}-\d{2}\]$|^\d{1,3}\s*\S.{2,80}[．.]\s*\S{2,20}[．.]\s*\d{4}-\d{2}-\d{2}$"), 300),
    # Video players: 00:00 / 很抱歉，当前视频播放失败 / 错误代码：QVS.4100
    ("ui", re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$|视频(?:播放|加载)失败|^错误代码" + COLON + r"|^(?:您的)?浏览器(?:不支持|版本过低)"), 40),
    # Pager digits and video-player controls left in the text: "2", "- 1.5X", "倍速"
    ("ui", re.compile(r"^(?:\d{1,2}|\d(?:\.\d{1,2})?x|倍速|广告|时长" + COLON + r"\d{1,2}:\d{2}.*)$", re.I), 30),
    # Ranking items: a headline and its comment or reader count (男子高速逆行被查 评论18564条 /
    # 3 标题 1.2万人参与). A body sentence does not end on a count.
    ("ranking", re.compile(r"(?:评论|跟贴|跟帖|回复|回帖)\s*[:：]?\s*\d[\d.]*\s*万?\s*条?$|\d[\d.]*\s*万?\s*(?:条评论|条跟贴|人参与|人评论|跟贴|评论)$"), 60),
    # Forum engines' edit notices inside a post: [ 本帖最后由 某人 于 2009-10-13 15:35 编辑 ] (Discuz!),
    # 此帖被某人在2010-01-16 00:32重新编辑 (phpwind). The engine writes them, the author does not.
    ("edit_notice", re.compile(r"^[(\[【]?\s*(?:本帖最后由\s*.{1,40}?\s*于\s*" + DATE + r"\s*" + TIME + r"?\s*编辑"
                               r"|此帖被.{1,40}?在\s*" + DATE + r"\s*" + TIME + r"?\s*重新编辑)\s*[)\]】]?$"), 100),
    # A blog's or forum's header line that ends with when the post was made, absolute or relative:
    # 某某的个人博客 / 37 / 0 / 创建于 11个月前, 发表于 2009-12-28 15:25. (Its date is no field here:
    # the metadata stage reads the page's own.)
    ("timestamp", re.compile(r"(?:创建|发布|发表|更新|编辑|修改)于\s*(?:" + DATE + r"(?:\s*" + TIME + r")?"
                             r"|\d+\s*(?:秒|分钟|小时|天|周|个月|月|年)前|昨天|前天|刚刚)\s*$"), 80),
    # A line that is only a date, or a date and a time
    ("dateline", re.compile(r"^" + DATE + r"(?:\s*" + TIME + r")?$"), 30),
]

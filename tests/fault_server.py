"""The hostile web for tests: the sample family plus bounded fault endpoints, on 127.0.0.1.

Every sample host also answers ``/fault/<name>``; ``FAULTS`` says what each one does
and what the crawler must do about it. The home page of www.cnmn.test links to every
page fault, the mixed-crawl sites file (``sites_file``) adds the fault sitemaps and feed,
and a fifth host, closed.test, forbids everything in its robots.txt.

Every endpoint is bounded: the slow one answers after a few seconds, the huge one stops
after ``HUGE_BYTES``, the bomb is a fixed gzip stream. Standard library only, like the
sample server it wraps: it plays somebody else's website.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from serve import Placement, SampleArticle, SampleFamily, SampleServer, _Handler, sites_file_for

HOST = "www.cnmn.test"
CLOSED_HOST = "closed.test"
SLOW_SECONDS = 4.0  # longer than the DOWNLOAD_TIMEOUT the tests set, and still bounded
HUGE_BYTES = 20 * 1024 * 1024  # over the default DOWNLOAD_MAXSIZE (16 MiB)
BOMB_BYTES = 64 * 1024 * 1024  # inflated size of the gzip bomb (its wire size is ~64 KiB)
DEEP_DIVS = 100_000
ONE_LINE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FaultSpec:
    path: str
    kind: str  # the faults/<kind> stats key it must show up under ("" for none)
    outcome: str  # "retried" (then extracted), "skipped", "extracted"
    slug: str = ""  # the fault article the page carries, if any
    linked: bool = True  # linked from the home page (sitemaps and the feed are in the sites file)


def _article(slug: str, title: str, published: str, paragraphs: str) -> SampleArticle:
    paras = tuple(p.strip() for p in paragraphs.strip().splitlines() if p.strip())
    return SampleArticle(slug=slug, title=title, published=published, source="中国有色网", author="", editor="李明", paragraphs=paras)


# Distinct articles written for these tests, so none of them is a repost of a sample one.
ARTICLES = {a.slug: a for a in [
    _article("copper-price", "铜价高位震荡 下游采购趋于谨慎", "2024-05-06T09:30:00+08:00", """
        本周伦敦金属交易所三个月期铜价格在每吨九千八百美元附近反复震荡，国内沪铜主力合约同步走高。
        多家线缆企业表示，铜价上涨后订单有所减少，下游普遍采取按需采购、随用随买的策略，观望情绪浓厚。
        分析人士认为，矿山供应偏紧的格局短期难以改变，但高价对消费的抑制作用正在显现，后市波动可能加大。
    """),
    _article("lithium-project", "青海盐湖提锂项目进入试生产阶段", "2024-04-18T15:00:00+08:00", """
        位于柴达木盆地的一座盐湖提锂项目日前完成设备调试，正式进入试生产阶段，设计年产碳酸锂两万吨。
        项目采用吸附加膜分离的工艺路线，淡水消耗比传统蒸发工艺减少一半以上，尾液全部回注盐湖。
        当地有关部门表示，将继续完善电力和道路等配套条件，推动盐湖资源综合利用向精细化方向发展。
    """),
    _article("rare-earth-quota", "今年第一批稀土开采指标下达", "2024-03-22T11:20:00+08:00", """
        主管部门近日下达今年第一批稀土开采、冶炼分离总量控制指标，其中岩矿型稀土指标较上年同期有所增加。
        通知要求各稀土集团严格按照指标组织生产，不得超指标开采，同时加强对非法开采行为的监督检查。
        业内人士指出，指标稳中有增反映出新能源汽车和风电领域对高性能磁材需求的持续增长。
    """),
    _article("smelter-emissions", "西南一家冶炼厂完成超低排放改造", "2024-02-27T10:00:00+08:00", """
        西南地区一家锌冶炼企业近日通过超低排放改造验收，二氧化硫和颗粒物排放浓度均优于国家特别排放限值。
        改造工程历时十个月，新建了两套烟气脱硫系统，并对原料库实施全封闭管理，厂区道路全部硬化。
        企业负责人介绍，改造后每年可减少二氧化硫排放约六百吨，周边空气质量监测数据明显改善。
    """),
    _article("nickel-imports", "一季度镍矿进口量同比下降", "2024-04-20T08:45:00+08:00", """
        海关数据显示，一季度我国镍矿砂及其精矿进口量同比下降一成以上，主要原因是菲律宾雨季影响装船。
        与此同时，镍铁和中间品进口保持增长，国内不锈钢企业原料结构继续向湿法中间品倾斜。
        市场人士预计，二季度菲律宾矿山进入出货旺季，进口量将逐步回升，镍价上行空间有限。
    """),
    _article("aluminium-foil", "铝箔出口订单保持增长", "2024-05-10T16:10:00+08:00", """
        记者从河南多家铝加工企业了解到，今年以来电池铝箔和包装铝箔出口订单保持较快增长，部分产线满负荷运转。
        企业表示，海外新能源电池工厂陆续投产，带动了对高精度电池箔的需求，产品毛利率高于普通箔材。
        不过，贸易摩擦和海运价格上涨也给出口带来不确定性，企业正在加快开拓东南亚和中东市场。
    """),
    _article("tin-mine-safety", "云南开展非煤矿山安全专项检查", "2024-03-05T14:30:00+08:00", """
        云南省近日部署开展非煤矿山安全生产专项检查，重点检查地下矿山通风、排水和提升系统运行情况。
        检查组将采取四不两直方式深入井下，对发现的重大隐患实行挂牌督办，整改不到位的一律停产整顿。
        省应急管理部门要求各地在汛期到来前完成尾矿库隐患排查，确保矿山安全形势稳定。
    """),
    _article("copper-foil", "锂电铜箔新增产能集中释放 加工费承压", "2024-05-15T10:20:00+08:00", """
        今年以来国内锂电铜箔新增产能集中释放，行业开工率有所下滑，六微米产品加工费较年初下降约两成。
        多家企业加快向四点五微米及以下极薄产品转型，同时布局复合集流体等新技术路线，以提升产品附加值。
        业内预计，随着落后产能逐步出清和下游储能需求回暖，铜箔行业供需关系有望在明年得到改善。
    """),
    _article("gold-reserves", "黄金储备连续增加 金价再创新高", "2024-04-08T09:00:00+08:00", """
        最新公布的数据显示，央行黄金储备已连续十七个月增加，国际金价随之再创历史新高。
        分析人士表示，各国央行持续购金、地缘局势紧张以及市场对降息的预期共同推动了本轮金价上涨。
        国内金饰零售价格同步上调，部分消费者转向购买金条等投资类产品，金店销售结构发生变化。
    """),
]}

# What each endpoint does, and the outcome the crawler must give it.
FAULTS = [
    FaultSpec("/fault/http-500.html", "http_500", "skipped"),
    FaultSpec("/fault/http-502.html", "http_502", "skipped"),
    FaultSpec("/fault/http-503.html", "http_503", "skipped"),
    FaultSpec("/fault/flaky-503.html", "http_503", "retried", "copper-price"),
    FaultSpec("/fault/throttled-429.html", "http_429", "retried", "lithium-project"),
    FaultSpec("/fault/throttled-429-long.html", "http_429", "skipped"),
    FaultSpec("/fault/slow.html", "timeout", "skipped"),
    FaultSpec("/fault/reset.html", "connection_reset", "skipped"),
    FaultSpec("/fault/short-body.html", "truncated", "skipped"),
    FaultSpec("/fault/truncated-gzip.html", "truncated_gzip", "skipped"),
    FaultSpec("/fault/gzip-bomb.html", "decompression_bomb", "skipped"),
    FaultSpec("/fault/huge.html", "too_large", "skipped"),
    FaultSpec("/fault/report.html", "binary_as_html", "skipped"),  # a PDF served as text/html
    FaultSpec("/fault/chart.html", "binary_as_html", "skipped"),  # a PNG served as text/html
    FaultSpec("/fault/empty.html", "empty_body", "skipped"),
    FaultSpec("/fault/loop.html", "redirect_loop", "skipped"),
    FaultSpec("/fault/away.html", "offsite_redirect", "skipped"),
    FaultSpec("/fault/to-file.html", "redirect_bad_scheme", "skipped"),
    FaultSpec("/fault/to-ftp.html", "redirect_bad_scheme", "skipped"),
    FaultSpec("/fault/gzipped.html", "", "extracted", "copper-foil"),  # a whole gzip body: the normal case
    FaultSpec("/fault/unclosed.html", "", "extracted", "rare-earth-quota"),
    FaultSpec("/fault/nul.html", "nul_bytes", "extracted", "smelter-emissions"),
    FaultSpec("/fault/nested.html", "", "extracted", "nickel-imports"),
    FaultSpec("/fault/one-line.html", "", "extracted", "aluminium-foil"),
    FaultSpec("/fault/with space.html", "", "extracted", "tin-mine-safety"),
    FaultSpec("/fault/铝价快讯.html", "", "extracted", "gold-reserves"),
    FaultSpec("/fault/sitemap-invalid.xml", "sitemap_invalid", "extracted", linked=False),  # its URLs before the break are read
    FaultSpec("/fault/sitemap-bomb.xml", "xml_entities_ignored", "extracted", linked=False),
    FaultSpec("/fault/sitemap-self.xml", "sitemap_loop", "skipped", linked=False),
    FaultSpec("/fault/rss-bad-dates.xml", "feed_bad_date", "extracted", linked=False),
    FaultSpec(f"http://{CLOSED_HOST}/news/1.html", "robots_disallowed", "skipped", linked=False),
]

EXTRACTED = {f"http://{HOST}{quote(f.path)}": ARTICLES[f.slug] for f in FAULTS if f.slug and f.outcome != "skipped"}


class FaultFamily(SampleFamily):
    """The sample family whose www.cnmn.test home page also links to every page fault."""

    def __init__(self) -> None:
        super().__init__()
        self.sites[HOST].dead_links.extend(f.path for f in FAULTS if f.linked and f.path.startswith("/fault/"))
        self.hits: dict[str, int] = {}
        self.hosts_asked: set[str] = set()  # every host a request named (offsite tests)
        self.lock = threading.Lock()
        self.bomb = _bomb()  # made once, up front: compressing it would stall the server mid-crawl

    def hit(self, path: str) -> int:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]

    def fault_article(self, slug: str, path: str) -> bytes:
        site = self.sites[HOST]
        return self.article_page(Placement(site=site, path=path, article=ARTICLES[slug])).encode("utf-8")


def _bomb() -> bytes:
    import zlib

    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1 << 20)
    parts = [deflate.compress(chunk) for _ in range(BOMB_BYTES >> 20)]
    return b"".join(parts) + deflate.flush()


class FaultHandler(_Handler):
    family: FaultFamily

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            host, path = parts.hostname or "", unquote(parts.path)
        else:
            host, path = (self.headers.get("Host") or "").split(":")[0], unquote(urlsplit(self.path).path)
        with self.family.lock:
            self.family.hosts_asked.add(host)
        if host == CLOSED_HOST:
            self.family.hit(f"//{host}{path}")
            if path == "/robots.txt":
                return self._send(200, "text/plain", b"User-agent: *\nDisallow: /\n")
            return self._send(200, "text/html; charset=utf-8", self.family.fault_article("gold-reserves", path))
        if host == HOST and path.startswith("/fault/"):
            return self._fault(path)
        return super().do_GET()

    def _send(self, status: int, ctype: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _article(self, slug: str, path: str) -> bytes:
        return self.family.fault_article(slug, path)

    def _fault(self, path: str) -> None:  # noqa: C901 (one branch per endpoint, on purpose)
        family = self.family
        n = family.hit(path)
        html_type = "text/html; charset=utf-8"
        name = path[len("/fault/"):]
        if name.startswith("http-"):
            return self._send(int(name[5:8]), html_type, b"<html><body>Server Error</body></html>")
        if name == "flaky-503.html":
            if n == 1:
                return self._send(503, html_type, b"busy", Retry_After="1")
            return self._send(200, html_type, self._article("copper-price", path))
        if name == "throttled-429.html":
            if n == 1:
                return self._send(429, html_type, b"slow down", Retry_After="1")
            return self._send(200, html_type, self._article("lithium-project", path))
        if name == "throttled-429-long.html":
            return self._send(429, html_type, b"come back tomorrow", Retry_After="86400")
        if name == "slow.html":
            time.sleep(SLOW_SECONDS)
            try:
                return self._send(200, html_type, self._article("copper-price", path))
            except OSError:
                return None  # the crawler gave up waiting, as it should
        if name == "reset.html":
            body = self._article("copper-price", path)
            self.send_response(200)
            self.send_header("Content-Type", html_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            # An RST instead of a FIN: SO_LINGER with a zero timeout.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if name == "short-body.html":
            body = self._article("copper-price", path)
            self.send_response(200)
            self.send_header("Content-Type", html_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) * 2 // 3])  # a partial page that would pass for an article
            self.close_connection = True
            return None
        if name == "truncated-gzip.html":
            packed = gzip.compress(self._article("copper-price", path))
            return self._send(200, html_type, packed[: len(packed) * 3 // 4], Content_Encoding="gzip")
        if name == "gzipped.html":
            return self._send(200, html_type, gzip.compress(self._article("copper-foil", path)), Content_Encoding="gzip")
        if name == "gzip-bomb.html":
            return self._send(200, html_type, family.bomb, Content_Encoding="gzip")
        if name == "huge.html":
            # No Content-Length: the limit must stop a stream, not a declared size.
            self.send_response(200)
            self.send_header("Content-Type", html_type)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + "铝".encode() * 20000 + b"</p>\n"
            sent = 0
            try:
                while sent < HUGE_BYTES:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the crawler hung up at its limit: that is the point
            self.close_connection = True
            return None
        if name == "report.html":
            return self._send(200, html_type, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
        if name == "chart.html":
            return self._send(200, html_type, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
        if name == "empty.html":
            return self._send(200, html_type, b"")
        if name == "loop.html":
            step = int(urlsplit(self.path).query.partition("=")[2] or 0)
            return self._send(302, html_type, b"", Location=f"/fault/loop.html?n={step + 1}")
        if name == "away.html":
            return self._send(302, html_type, b"", Location="http://elsewhere.test/landing.html")
        if name == "to-file.html":
            return self._send(302, html_type, b"", Location="file:///etc/passwd")
        if name == "to-ftp.html":
            return self._send(302, html_type, b"", Location="ftp://127.0.0.1/pub/secret.txt")
        if name == "unclosed.html":
            page = self._article("rare-earth-quota", path).decode()
            # Paragraphs, list items and the document never closed, as old CMS templates do.
            for closer in ("</p>", "</li>", "</span>", "</body>", "</html>"):
                page = page.replace(closer, "")
            return self._send(200, html_type, page.encode())
        if name == "nul.html":
            page = self._article("smelter-emissions", path).replace("，".encode(), "，".encode() + b"\x00")
            return self._send(200, html_type, page.replace(b"<body", b"\x00\x00<body"))
        if name == "nested.html":
            page = self._article("nickel-imports", path).decode()
            junk = "<div>" * DEEP_DIVS + "广告" + "</div>" * DEEP_DIVS
            return self._send(200, html_type, page.replace("</body>", junk + "</body>").encode())
        if name == "one-line.html":
            page = self._article("aluminium-foil", path).decode().replace("\n", " ")
            blob = "<script>var payload='" + "x" * (ONE_LINE_BYTES - len(page)) + "';</script>"
            return self._send(200, html_type, page.replace("</head>", blob + "</head>").encode())
        if name == "with space.html":
            return self._send(200, html_type, self._article("tin-mine-safety", path))
        if name == "铝价快讯.html":
            return self._send(200, html_type, self._article("gold-reserves", path))
        if name == "sitemap-invalid.xml":
            urls = "".join(f"<url><loc>http://{HOST}/fault/{quote(x)}</loc></url>" for x in ("with space.html", "铝价快讯.html"))
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}<url><lastmod>2024-0'
            return self._send(200, "application/xml", body.encode())
        if name == "sitemap-bomb.xml":
            entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
            )
            body = (
                f'<?xml version="1.0"?><!DOCTYPE urlset [{entities}]>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://{HOST}/fault/unclosed.html</loc><lastmod>&j;</lastmod></url></urlset>'
            )
            return self._send(200, "application/xml", body.encode())
        if name == "sitemap-self.xml":
            body = (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>http://{HOST}/fault/sitemap-self.xml</loc></sitemap></sitemapindex>"
            )
            return self._send(200, "application/xml", body.encode())
        if name == "rss-bad-dates.xml":
            items = "".join(
                f"<item><title>t</title><link>http://{HOST}/fault/{x}</link><pubDate>{d}</pubDate></item>"
                for x, d in (("nul.html", "昨天 下午"), ("nested.html", "2024-13-45 99:99"), ("one-line.html", ""))
            )
            body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>快讯</title>{items}</channel></rss>'
            return self._send(200, "application/rss+xml", body.encode())
        return self._send(404, html_type, b"<html><body>404</body></html>")


class FaultServer(SampleServer):
    def __init__(self, port: int = 0) -> None:
        super().__init__(port, FaultFamily())
        # Replace the sample handler with the faulty one on the same socket.
        self.httpd.RequestHandlerClass = type("Handler", (FaultHandler,), {"family": self.family})


def sites_file(port: int) -> str:
    """The sample sites file plus the fault sitemaps and feed, and the robots-closed site."""
    text = sites_file_for(port)
    text = text.replace(
        'sitemaps = ["http://www.cnmn.test/robots.txt"]',
        'sitemaps = ["http://www.cnmn.test/robots.txt", '
        + ", ".join(f'"http://{HOST}{f.path}"' for f in FAULTS if f.path.startswith("/fault/sitemap"))
        + "]\nfeeds = [" + ", ".join(f'"http://{HOST}{f.path}"' for f in FAULTS if f.path.endswith("rss-bad-dates.xml")) + "]",
    )
    assert "sitemap-self" in text, "the sample sites file changed: update sites_file()"
    return text + (
        f'\n[[site]]\nname = "closed"\nstart_urls = ["http://{CLOSED_HOST}/news/1.html"]\n'
        f'proxy = "http://127.0.0.1:{port}"\n'
    )

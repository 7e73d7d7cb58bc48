"""Real URL spellings of one article (groups) and pairs of URLs that name different pages, for URL identity.

Written by hand from the URL shapes outlets and platforms really use (issue 15); the tests never fetch them.
``tests/test_url_identity.py`` measures ``monitor.ingest.urls.canonical_url`` on this table, and
``python -m tests.test_url_identity`` prints the figures that docs/quality.md ("URL identity") quotes.
"""

from __future__ import annotations

GUARDIAN = "https://www.theguardian.com/technology/2024/may/05/leica-camera-phone-review"
NYT = "https://www.nytimes.com/2024/05/05/technology/leica-camera-phone.html"
WSJ = "https://www.wsj.com/tech/personal-tech/leica-phone-launch-7f3a9b21"
CNET = "https://www.cnet.com/tech/mobile/leica-phone-hands-on/"
VERGE = "https://www.theverge.com/2024/5/5/24149999/leica-phone-camera-hands-on"
HEISE = "https://www.heise.de/news/Kamera-f%C3%BCr-alle-Leica-Smartphone-im-Test-9712345.html"

# Each group: spellings that all reach one article.
SAME_ARTICLE: dict[str, list[str]] = {
    # tracking parameters no hand list had
    "guardian CMP": [GUARDIAN, f"{GUARDIAN}?CMP=share_btn_tw", f"{GUARDIAN}?CMP=Share_iOSApp_Other"],
    "nyt smid": [NYT, f"{NYT}?smid=tw-share", f"{NYT}?smid=nytcore-ios-share&referringSource=articleShare"],
    "nyt partner/emc": [NYT, f"{NYT}?partner=rss&emc=rss", f"{NYT}?emc=edit_tnt_20240505&nl=tech"],
    "wsj mod": [WSJ, f"{WSJ}?mod=hp_lead_pos5", f"{WSJ}?mod=rss_Technology"],
    "cnet ftag": [CNET, f"{CNET}?ftag=CAD-01-10aaa3b", "https://www.cnet.com/tech/mobile/leica-phone-hands-on"],
    "x s/t": [
        "https://x.com/LeicaCamera/status/1787123456789012345",
        "https://x.com/LeicaCamera/status/1787123456789012345?s=20",
        "https://x.com/LeicaCamera/status/1787123456789012345?s=46&t=Xy3kPq0aBcD_efGhIjKlMn",
    ],
    "outputType=amp": [
        "https://www.washingtonpost.com/technology/2024/05/05/leica-phone-camera/",
        "https://www.washingtonpost.com/technology/2024/05/05/leica-phone-camera/?outputType=amp",
    ],
    "utm set": [
        VERGE,
        f"{VERGE}?utm_source=rss&utm_medium=rss&utm_campaign=leica",
        f"{VERGE}?utm_medium=social&utm_source=twitter",
    ],
    "fbclid/gclid": [
        "https://www.engadget.com/leica-phone-review-120000123.html",
        "https://www.engadget.com/leica-phone-review-120000123.html?fbclid=IwAR2xYz",
        "https://www.engadget.com/leica-phone-review-120000123.html?gclid=Cj0KCQjw",
    ],
    "mailchimp": [
        "https://www.gizmochina.com/2024/05/05/leica-leitz-phone-3/",
        "https://www.gizmochina.com/2024/05/05/leica-leitz-phone-3/?mc_cid=abc123&mc_eid=def456",
    ],
    "xtor": [
        "https://www.lemonde.fr/pixels/article/2024/05/05/leica-smartphone_6231234_4408996.html",
        "https://www.lemonde.fr/pixels/article/2024/05/05/leica-smartphone_6231234_4408996.html?xtor=RSS-3208",
    ],
    "ref on an article": [
        "https://www.producthunt.com/posts/leica-lux-app",
        "https://www.producthunt.com/posts/leica-lux-app?ref=rss",
    ],
    "share on an article": [
        "https://petapixel.com/2024/05/05/leica-phone-camera-test/",
        "https://petapixel.com/2024/05/05/leica-phone-camera-test/?share=twitter",
    ],
    "ocid": [
        "https://www.msn.com/en-us/news/technology/leica-phone-arrives/ar-BB1lXyZ9",
        "https://www.msn.com/en-us/news/technology/leica-phone-arrives/ar-BB1lXyZ9?ocid=msedgntp&cvid=4f1c",
    ],
    # scheme and host spellings
    "http vs https": [GUARDIAN, GUARDIAN.replace("https://", "http://")],
    "www vs bare": [VERGE, VERGE.replace("www.", "")],
    "http bare vs https www": [
        "http://gsmarena.com/leica_leitz_phone_3-news-62512.php",
        "https://www.gsmarena.com/leica_leitz_phone_3-news-62512.php",
    ],
    "host case and default port": [
        "https://www.androidauthority.com/leica-phone-hands-on-3441234/",
        "HTTPS://WWW.ANDROIDAUTHORITY.COM:443/leica-phone-hands-on-3441234/",
    ],
    "mobile host": [
        "https://www.spiegel.de/netzwelt/gadgets/leica-smartphone-im-test-a-1b2c3d4e-5f60-7182-9304-a5b6c7d8e9f0",
        "https://m.spiegel.de/netzwelt/gadgets/leica-smartphone-im-test-a-1b2c3d4e-5f60-7182-9304-a5b6c7d8e9f0",
    ],
    # AMP
    "amp last segment": [
        "https://www.androidcentral.com/phones/leica-phone-review",
        "https://www.androidcentral.com/phones/leica-phone-review/amp",
    ],
    "amp first segment": [
        "https://www.gizmochina.com/2024/05/05/leica-leitz-phone-3/",
        "https://www.gizmochina.com/amp/2024/05/05/leica-leitz-phone-3/",
    ],
    "amp host": [GUARDIAN, GUARDIAN.replace("www.", "amp.")],
    "amp cache": [
        GUARDIAN,
        "https://www-theguardian-com.cdn.ampproject.org/c/s/www.theguardian.com/technology/2024/may/05/"
        "leica-camera-phone-review",
    ],
    "amp suffix": [
        "https://www.t-online.de/digital/handy/id_100412345/leica-smartphone-im-test.html",
        "https://www.t-online.de/digital/handy/id_100412345/leica-smartphone-im-test.amp.html",
    ],
    # path spellings
    "jsessionid": [
        "https://www.zdnet.de/88412345/leica-smartphone-kamera-test/",
        "https://www.zdnet.de/88412345/leica-smartphone-kamera-test/;jsessionid=8F3A2B1C0D9E8F7A",
    ],
    "index.html": [
        "https://www.dpreview.com/articles/1234567890/leica-phone-review/",
        "https://www.dpreview.com/articles/1234567890/leica-phone-review/index.html",
    ],
    "trailing slash and fragment": [
        "https://www.digitalcameraworld.com/news/leica-phone-camera-explained",
        "https://www.digitalcameraworld.com/news/leica-phone-camera-explained/#comments",
        "https://www.digitalcameraworld.com/news/leica-phone-camera-explained#section-specs",
    ],
    "dot segments and double slash": [
        "https://www.notebookcheck.net/Leica-phone-review.812345.0.html",
        "https://www.notebookcheck.net//news/../Leica-phone-review.812345.0.html",
    ],
    # encoding
    "non-ASCII raw vs encoded": [
        HEISE,
        "https://www.heise.de/news/Kamera-für-alle-Leica-Smartphone-im-Test-9712345.html",
        "https://www.heise.de/news/Kamera-f%c3%bcr-alle-Leica-Smartphone-im-Test-9712345.html",
    ],
    "CJK path raw vs encoded": [
        "https://www.ithome.com/0/765/432/徕卡手机评测.htm",
        "https://www.ithome.com/0/765/432/%E5%BE%95%E5%8D%A1%E6%89%8B%E6%9C%BA%E8%AF%84%E6%B5%8B.htm",
    ],
    "plus vs %20 in the query": [
        "https://www.computerbase.de/suche/?q=leica+phone",
        "https://www.computerbase.de/suche/?q=leica%20phone",
    ],
    "space vs %20 in the path": [
        "https://www.example-blog.net/posts/Leica Phone Review",
        "https://www.example-blog.net/posts/Leica%20Phone%20Review",
    ],
    "escape case and unreserved escapes": [
        "https://www.golem.de/news/leica-phone-test-2405-184321.html",
        "https://www.golem.de/news/leica%2Dphone%2Dtest%2D2405%2D184321.html",
    ],
    "query order": [
        "https://www.example-news.com/article.php?id=4711&page=2",
        "https://www.example-news.com/article.php?page=2&id=4711",
    ],
    # several at once, as links meet in the wild
    "feed link vs share link": [
        "http://www.theverge.com/2024/5/5/24149999/leica-phone-camera-hands-on?utm_source=rss",
        "https://theverge.com/2024/5/5/24149999/leica-phone-camera-hands-on/#comments",
    ],
    "newsletter link vs amp": [
        f"{NYT}?emc=edit_tnt_20240505&campaign_id=49&instance_id=123&nl=technology&regi_id=456&segment_id=789",
        "https://www.nytimes.com/2024/05/05/technology/leica-camera-phone.amp.html",
    ],
    "social app link": [
        "https://www.bbc.com/news/technology-68912345",
        "https://www.bbc.com/news/technology-68912345?at_medium=RSS&at_campaign=KARANGA",
    ],
}

# Pairs of URLs that name different pages: a key shared by both would lose an article.
DIFFERENT_PAGES: dict[str, tuple[str, str]] = {
    "?id on a script": (
        "https://www.example-news.com/index.php?id=4711",
        "https://www.example-news.com/index.php?id=4712",
    ),
    "?p shortlinks": ("https://blog.example.org/?p=101", "https://blog.example.org/?p=102"),
    "?ref names a branch": (
        "https://github.com/leica/sdk/blob/README.md?ref=main",
        "https://github.com/leica/sdk/blob/README.md?ref=v2",
    ),
    "?share names a shared item": (
        "https://photos.example.com/s?share=AbC123",
        "https://photos.example.com/s?share=XyZ789",
    ),
    "#!/ routes": ("https://www.example-app.com/#!/story/41", "https://www.example-app.com/#!/story/42"),
    "#/ routes": ("https://news.example.io/app/#/article/7", "https://news.example.io/app/#/article/8"),
    "?v on a player": ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=9bZkp7q19f0"),
    "pages of one article": (
        "https://www.tomshardware.com/reviews/leica-phone-review,7123.html?page=1",
        "https://www.tomshardware.com/reviews/leica-phone-review,7123.html?page=2",
    ),
    "translations": (
        "https://www.example-news.com/2024/05/leica-phone-review?lang=de",
        "https://www.example-news.com/2024/05/leica-phone-review?lang=en",
    ),
    "another subdomain": ("https://blog.leica.example/leica-phone-news", "https://leica.example/leica-phone-news"),
    "another port": ("http://news.example.com:8080/leica-phone-news", "http://news.example.com/leica-phone-news"),
    "a sequel's slug": (
        "https://www.theverge.com/2024/5/5/24149999/leica-phone-camera-hands-on",
        "https://www.theverge.com/2024/5/6/24150001/leica-phone-camera-hands-on-part-2",
    ),
    "search terms": ("https://www.computerbase.de/suche/?q=leica", "https://www.computerbase.de/suche/?q=leica+phone"),
    "?source names a file": (
        "https://code.example.org/view?source=camera.py",
        "https://code.example.org/view?source=lens.py",
    ),
}

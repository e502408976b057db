from pipelines.text.ruby import remove_flattened_pinyin, strip_ruby_markup


def test_markup_forms_are_stripped_to_base_text():
    html = ('<p>中鋁山西<ruby>企<rp>(</rp><rt>qǐ</rt><rp>)</rp></ruby><ruby>業<rp>（</rp><rt>yè</rt><rp>）</rp></ruby>'
            '<RUBY><RB>開</RB><RT>kāi</RT></RUBY><ruby>展<rt>zhǎn<rtc>x</rtc></ruby></p>')
    out, n = strip_ruby_markup(html)
    assert out == "<p>中鋁山西企業開展</p>"
    assert n == 9


def test_page_without_ruby_is_untouched():
    html = "<p>中铝山西企业开展创先争优活动</p><a rel=x>r</a>"
    assert strip_ruby_markup(html) == (html, 0)


def test_flattened_pinyin_from_seed_000():
    text = "中鋁山西企業(yè)開(kāi)展創(chuàng)先爭(zhēng)優(yōu)活動(dòng)"
    assert remove_flattened_pinyin(text) == ("中鋁山西企業開展創先爭優活動", 6)


def test_trailing_space_and_multi_syllable_groups():
    assert remove_flattened_pinyin("創(chuàng )新，會議指出(zhǐ chū)，加強(qiang2)管理") == ("創新，會議指出，加強管理", 3)


def test_an_isolated_gloss_is_content():
    note = "〔注〕 滟滪(yàn yù)：即滟滪滩，在重庆奉节县东五公里瞿塘峡口。"
    assert remove_flattened_pinyin(note) == (note, 0)


def test_parentheses_that_are_not_readings_stay():
    for text in ("蘋果公司(Apple)發布新品", "(記者 王明)報道", "本報(2014年)統計", "鋁價(元/噸)", "公司(Li)發言人", "企業(qi yi)"):
        assert remove_flattened_pinyin(text, min_groups=1) == (text, 0), text


def test_wrong_reading_is_not_removed():
    # "ye" is not a reading of 開
    assert remove_flattened_pinyin("開(yè)展", min_groups=1) == ("開(yè)展", 0)

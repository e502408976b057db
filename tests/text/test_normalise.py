from pipelines.text.normalise import content_hash, detect_language, detect_script, normalise_for_matching


def test_normalise_for_matching_folds_width_script_case_and_punctuation():
    assert normalise_for_matching("中鋁山西企業，開展ＡＢＣ活動！ 2014年") == "中铝山西企业开展abc活动2014年"
    assert normalise_for_matching("企業“新常態”") == normalise_for_matching("企业 新常态")


def test_script_and_language():
    assert detect_script("中鋁山西企業開展創先爭優活動成果顯著") == "hant"
    assert detect_script("中铝山西企业开展创先争优活动成果显著") == "hans"
    assert detect_script("The café reopened on Monday after renovation.") is None
    assert detect_language("中铝山西企业开展创先争优活动成果显著") == "zh"
    assert detect_language("The café reopened", declared="en-GB") == "en"


def test_content_hash_is_stable_across_scripts():
    a = content_hash(normalise_for_matching("中鋁山西企業開展創先爭優活動"))
    b = content_hash(normalise_for_matching("中铝山西企业开展创先争优活动。"))
    assert a == b and len(a) == 40

from pipelines.text.mojibake import check_text

# Seed 001's own damage: 確保活動取得實效 after a conversion dropped bytes.
DAMAGED = ("為進一步推動創先爭優活動深入開展,確?;顒尤〉脤嵭?公司成立4個檢查督導組,"
           "第一批深入21家企業對創先爭優和“四好”領導班子創建活動進行檢查、督導和驗收。")


def test_lost_bytes_are_flagged_even_when_rare():
    report = check_text(DAMAGED + "\n" + "通過聽取匯報、座談了解、查閱資料、基層走訪等方式進行了重點檢查和評價。" * 20)
    assert report.lost_bytes == 1 and report.suspected
    assert report.text.startswith(DAMAGED)  # flagged, not altered: the bytes are gone


def test_an_ascii_question_mark_in_chinese_prose_is_not_damage():
    report = check_text("比政策水平,看對改革政策的理解是否到位?比工作能力,看方式方法是否得體?")
    assert report.lost_bytes == 0 and not report.suspected


def test_utf8_read_as_cp1252_is_repaired():
    report = check_text("员工群众纷纷点赞".encode("utf-8").decode("cp1252"))
    assert report.text == "员工群众纷纷点赞" and report.repaired_lines == 1

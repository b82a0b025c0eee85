"""Masking personal data in public text (pure: no database)."""

from server.portal.privacy import MASK, redact


def test_phone_numbers_email_id_and_known_names_are_masked():
    text = ("王小明说：电话 138-0013-8000 或 +86 13900001111，座机 010-65123456、65123456，"
            "邮箱 wxm@example.cn，身份证 110101199003071234，王小明住这里")
    out = redact(text, ["王小明"])
    for secret in ("138-0013-8000", "13900001111", "010-65123456", "65123456", "wxm@example.cn",
                   "110101199003071234", "王小明"):
        assert secret not in out
    assert out.count(MASK) == 8


def test_codes_dates_and_plain_text_survive():
    text = "部件 1101010103000001 于 20260701 损坏，案件 E0101202607010001，3号楼 2 单元"
    assert redact(text) == text
    assert redact(None) == "" and redact("井盖丢失", ["", " ", "王"]) == "井盖丢失"

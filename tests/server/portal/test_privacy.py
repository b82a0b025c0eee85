"""Masking personal data in public text (pure: no database)."""

import pytest

from server.portal.privacy import MASK, redact


def test_phone_numbers_email_id_and_known_names_are_masked():
    text = ("王小明说：电话 138-0013-8000 或 +86 13900001111，座机 010-65123456、65123456，"
            "邮箱 wxm@example.cn，身份证 110101199003071234，王小明住这里")
    out = redact(text, ["王小明"])
    for secret in ("138-0013-8000", "13900001111", "010-65123456", "65123456", "wxm@example.cn",
                   "110101199003071234", "王小明"):
        assert secret not in out
    assert out.count(MASK) == 8


#: Each is one number (or address) written the ways callers and apps write them.
WRITTEN = [
    "6512 3456", "6512-3456", "651 2345", "010-6512 3456", "010 6512 3456", "(010) 65123456",
    "（010）65123456", "0571-8888 8888", "+86 10 6512 3456", "+86-10-65123456",
    "1391 234 5678", "139 1234 5678", "+86 139-1234-5678", "008613912345678",
    "一三八一二三四五六七八", "幺三八幺二三四五六七八", "一三八 一二三四 五六七八",
    "138一二三四五六七八", "１３８１２３４５６７８", "零一零 六五一二 三四五六", "六五一二三四五六",
    "陆伍壹贰叁肆伍陆", "11010119900307123X", "110101199003071234", "110101 19900307 123x",
    "１１０１０１１９９００３０７１２３４", "①③⑧①②③④⑤⑥⑦⑧",
    "wxm@example.cn", "wxm＠example.cn",
]


@pytest.mark.parametrize("secret", WRITTEN)
def test_numbers_are_masked_however_they_are_written(secret):
    out = redact(f"报告人电话{secret}，请回电")
    assert out == f"报告人电话{MASK}，请回电", out


def test_codes_dates_and_plain_text_survive():
    text = "部件 1101010103000001 于 20260701 损坏，案件 E0101202607010001，3号楼 2 单元"
    assert redact(text) == text
    for text in ("2019-2020年度", "2026-07-01 10:00", "116.4074123,39.9042", "营业时间 0800-1200",
                 "三里屯一二九号", "两三个人", "二〇二六年七月一日", "12345热线", "价格 12.50 元"):
        assert redact(text) == text
    assert redact(None) == "" and redact("井盖丢失", ["", " ", "王"]) == "井盖丢失"

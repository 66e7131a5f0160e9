import datetime

import pytest

from minzheng.common.ids import (
    InvalidIdNumber,
    age_in_full_years,
    convert_15_to_18,
    id_key,
    normalize_id_number,
    parse_id_number,
)


def test_a_valid_number_passes_unchanged():
    assert normalize_id_number("11010519491231002X") == "11010519491231002X"


def test_lower_case_x_full_width_digits_and_spaces_are_normalised():
    assert normalize_id_number(" １１０１０５ 19491231 002x ") == "11010519491231002X"


def test_fifteen_digit_numbers_are_converted():
    assert convert_15_to_18("610104620927690") == "610104196209276908"
    assert normalize_id_number("610104620927690") == "610104196209276908"


def test_fifteen_digit_centenarian_sequences_get_the_18th_century():
    assert convert_15_to_18("110105491231996")[6:10] == "1849"


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("1101051949123100", "长度"),
        ("11010519491231002Y", "格式"),
        ("110105194912310021", "校验位"),
        ("110105194902300023", "出生日期"),
        ("990105194912310023", "行政区划代码"),
    ],
)
def test_each_error_names_what_is_wrong(raw, word):
    with pytest.raises(InvalidIdNumber) as error:
        normalize_id_number(raw)
    assert word in error.value.message


def test_a_birth_date_in_the_future_is_rejected():
    with pytest.raises(InvalidIdNumber, match="出生日期"):
        normalize_id_number("110105203001010014", today=datetime.date(2023, 6, 30))


def test_abolished_county_codes_stay_valid_in_old_numbers():
    # 530630 水富县 (2001–2018) was replaced by 530681 水富市; IDs issued before keep the old code.
    body = "53063019900101001"
    from stdnum.cn import ric

    assert normalize_id_number(body + ric.calc_check_digit(body + "0")).startswith("530630")


def test_sex_birth_date_and_age_in_full_years():
    info = parse_id_number("440524188001010014")
    assert info.sex == "男"
    assert info.birth_date == datetime.date(1880, 1, 1)
    assert parse_id_number("11010519491231002X").sex == "女"
    assert age_in_full_years(datetime.date(1963, 7, 1), datetime.date(2023, 6, 30)) == 59
    assert age_in_full_years(datetime.date(1963, 6, 30), datetime.date(2023, 6, 30)) == 60
    assert age_in_full_years(datetime.date(2000, 2, 29), datetime.date(2023, 2, 28)) == 22


def test_the_join_key_is_the_first_17_digits():
    assert id_key("11010519491231002X") == 11010519491231002

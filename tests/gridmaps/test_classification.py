"""gridmaps.classification: the versioned component and event class list."""

import pytest

from gridmaps.classification import ClassItem, class_by_code, classification_version, load_classes

HEADER = "kind,major_code,major_zh,major_en,minor_code,minor_zh,minor_en,code\n"


def test_repo_copy_has_85_component_and_54_event_classes():
    classes = load_classes()
    components = [c for c in classes if c.kind == "component"]
    events = [c for c in classes if c.kind == "event"]
    assert len(components) == 85  # six major classes with 85 minor classes
    assert len({c.major_code for c in components}) == 6
    assert len({c.major_code for c in events}) == 5
    assert len(events) == 54
    assert all(isinstance(c, ClassItem) and len(c.code) == 4 and c.code.isdigit() for c in classes)


def test_codes_are_per_kind():
    assert class_by_code("component")["0101"].minor_zh == "上水井盖"
    assert class_by_code()["0118"].minor_en == "Street light"
    assert class_by_code("event")["0101"].minor_zh == "私搭乱建"
    with pytest.raises(ValueError):
        class_by_code("asset")


def test_version():
    assert classification_version() == "2024.1"


def test_loading_from_a_path(tmp_path):
    path = tmp_path / "classes.csv"
    row = "component,01,公用设施,Public facilities,01,上水井盖,Water cover,0101\n"
    path.write_text(HEADER + row, encoding="utf-8")
    (item,) = load_classes(path)
    assert item == ClassItem("component", "01", "公用设施", "Public facilities", "01", "上水井盖", "Water cover", "0101")
    assert class_by_code("component", (item,)) == {"0101": item}


@pytest.mark.parametrize(
    "rows, message",
    [
        ("asset,01,a,a,01,b,b,0101\n", "unknown kind"),
        ("component,01,a,a,01,b,b,0102\n", "not major \\+ minor"),
        ("component,01,a,a,01,b,b,0101\ncomponent,01,a,a,01,c,c,0101\n", "duplicate component code 0101"),
    ],
    ids=["kind", "code", "duplicate"],
)
def test_bad_rows_name_their_line(tmp_path, rows, message):
    path = tmp_path / "classes.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_classes(path)

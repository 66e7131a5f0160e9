"""The import template (家庭户导入模板.xlsx), generated from :mod:`.columns` so that it never drifts from
what the reader accepts. ``minzheng import template OUT.xlsx`` writes it; the web page serves it."""

from __future__ import annotations

import datetime
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from stdnum.cn import ric

from minzheng.registry.models import ImportMode

from . import columns as c

TEMPLATE_FILE_NAME = "家庭户导入模板.xlsx"
TEMPLATE_ROWS = 5000
"""Rows that carry the drop-downs and the 文本 format; users rarely fill more in one file."""

_REQUIRED_FILL = PatternFill("solid", fgColor="FFFCE4D6")
_OPTIONAL_FILL = PatternFill("solid", fgColor="FFD9E1F2")
_SAMPLE_FONT = Font(color="FF808080", italic=True)
_BOLD = Font(bold=True)


def sample_id_number() -> str:
    """A synthetic, valid ID number for the example row (昭阳区, born 1980-01-01, sequence 001)."""
    body = "53060219800101001"
    return body + ric.calc_check_digit(body + "0")


def _sample_row() -> list[object]:
    values: list[object] = []
    for column in c.COLUMNS:
        if column.header == c.ID_NUMBER:
            values.append(sample_id_number())
        elif column.header == c.JOINED_ON:
            values.append(datetime.date.fromisoformat(column.example))
        else:
            values.append(column.example or None)
    return values


def _members_sheet(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = c.SHEET_MEMBERS
    choices = workbook.create_sheet(c.SHEET_CHOICES)
    choices.sheet_state = "hidden"
    last = TEMPLATE_ROWS + 1
    for index, column in enumerate(c.COLUMNS, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.header)
        header.font = _BOLD
        header.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        required = "必填" if column.required else "选填"
        header.comment = Comment(f"【{required}】{column.help}", "智慧民政", width=300, height=110)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.text:
            dimension.number_format = "@"  # 文本: Excel keeps long digit strings exactly
        elif column.header == c.JOINED_ON:
            dimension.number_format = "yyyy-mm-dd"
        if column.choices:
            choices.cell(row=1, column=index, value=column.header)
            for offset, choice in enumerate(column.choices, start=2):
                choices.cell(row=offset, column=index, value=choice)
            name = f"choices_{letter}"
            reference = f"'{c.SHEET_CHOICES}'!${letter}$2:${letter}${len(column.choices) + 1}"
            workbook.defined_names.add(DefinedName(name, attr_text=reference))
            validation = DataValidation(
                type="list",
                formula1=name,  # stored formulas carry no leading "=" in the file format
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="输入值无效",
                error=f"请从下拉列表中选择{column.header}",
                promptTitle=column.header,
                prompt="请从下拉列表中选择",
                showInputMessage=True,
            )
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
    for index, value in enumerate(_sample_row(), start=1):
        cell = sheet.cell(row=2, column=index, value=value)
        cell.font = _SAMPLE_FONT
        if c.COLUMNS[index - 1].text:
            cell.number_format = "@"
        elif c.COLUMNS[index - 1].header == c.JOINED_ON:
            cell.number_format = "yyyy-mm-dd"
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "A2"


GENERAL_NOTES: tuple[str, ...] = (
    "一、每位家庭成员填写一行；同一家庭的成员填写相同的「家庭编号」，每个家庭有且只有一行「与户主关系」为「户主」。",
    "二、橙色表头为必填列，蓝色表头为选填列。请不要修改、删除表头；可以在表头上方加标题行，也可以删除不用的选填列。",
    f"三、第2行是示例（家庭编号以「{c.SAMPLE_PREFIX}」开头的行不会导入），可以保留或删除。",
    "四、「公民身份号码」「残疾人证号」「联系电话」「所在村（社区）代码」列已设为「文本」格式。"
    "从其他表格复制身份证号时，请先确认源表中该列也是文本格式：显示为 5.30602E+17 这样的号码末几位已经丢失，"
    "无法恢复，系统会拒绝这样的号码，只能重新录入。",
    "五、系统按公民身份号码识别人员：已登记的人员按本表更新，未登记的新增。选填列留空表示不修改系统中已有的内容。"
    "本表没有列出的已登记成员保持不变（成员迁出请在系统中办理）。",
    f"六、导入方式：「{ImportMode.ALL_OR_NOTHING.label}」——任何一行有错误，整个文件都不导入；"
    f"「{ImportMode.GOOD_ROWS.label}」——所有行都正确的家庭导入，有错误行的家庭整户不导入（不会只导入半个家庭）。",
    "七、有错误时系统生成「错误报告」：出错的单元格标红并附批注，每行末尾「错误说明」列出该行全部错误。"
    "可以直接在错误报告中改正后重新上传。同一文件重复导入不会重复登记。",
)


def _help_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(c.SHEET_HELP, index=1)
    sheet["A1"] = "家庭户导入模板 填写说明"
    sheet["A1"].font = Font(bold=True, size=14)
    row = 3
    for note in GENERAL_NOTES:
        sheet.cell(row=row, column=1, value=note).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        sheet.row_dimensions[row].height = 36
        row += 1
    row += 1
    for index, title in enumerate(("列名", "是否必填", "填写要求", "可选值", "示例"), start=1):
        cell = sheet.cell(row=row, column=index, value=title)
        cell.font, cell.fill = _BOLD, _OPTIONAL_FILL
    for column in c.COLUMNS:
        row += 1
        example = sample_id_number() if column.header == c.ID_NUMBER else column.example
        values = (
            column.header,
            "必填" if column.required else "选填",
            column.help,
            "、".join(column.choices),
            example,
        )
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (20, 10, 60, 40, 24), strict=True):
        sheet.column_dimensions[letter].width = width


def build_template() -> bytes:
    """The template workbook as .xlsx bytes."""
    workbook = Workbook()
    _members_sheet(workbook)
    _help_sheet(workbook)
    fixed = datetime.datetime(2025, 1, 1)
    workbook.properties.creator = "智慧民政"
    workbook.properties.title = "家庭户导入模板"
    workbook.properties.created = workbook.properties.modified = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Build the files a user would upload: CSV in UTF-8 (with or without BOM) or GBK, and .xlsx."""

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

UNIT_HEADER = ["Community code", "Building", "Unit number", "Floor", "Floor area", "Type", "Status", "Grid"]
UNIT_HEADER_ZH = ["小区编码", "楼栋", "房号", "楼层", "建筑面积", "类型", "状态", "网格"]
RESIDENT_HEADER = ["Community code", "Building", "Unit number", "Full name", "Phone", "Email", "Role", "Move-in date"]
RESIDENT_HEADER_ZH = ["小区编码", "楼栋", "房号", "姓名", "手机", "邮箱", "身份", "入住日期"]


def csv_file(rows, name="units.csv", encoding="utf-8", bom=False, content_type="text/csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = buffer.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return SimpleUploadedFile(name, data, content_type=content_type)


def xlsx_file(rows, name="units.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)

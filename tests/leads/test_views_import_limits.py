"""The import page answers a hostile or broken workbook with the error on the form, quickly,
never with a server error."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from coordination.core.org.models import DepartmentKind
from leads.models import LeadImport
from tests.factories import SourceFactory, member

pytestmark = pytest.mark.django_db

UPLOAD = reverse("leads_import:upload")


@pytest.fixture
def source():
    return SourceFactory(name="Baidu")


@pytest.fixture
def importer(client):
    user = member(DepartmentKind.MARKETING)
    client.force_login(user)
    return user


def issue_workbook() -> bytes:
    """Three rows of leads, a cell in row 1,048,576 and a sheet declaring A1:GR1048576."""
    workbook = Workbook()
    sheet = workbook.active
    for row in [["姓名", "手机"], ["张三", "13800138000"], ["李四", "13800138001"]]:
        sheet.append(row)
    sheet.cell(row=1_048_576, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for info in original.infolist():
            body = original.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:GR1048576"/>',
                              body)
            rewritten.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.parametrize(("content", "message"), [
    (issue_workbook(), "1,048,576"),
    ("姓名,手机\n张三,13800138000\n".encode(), "Upload a CSV file or an Excel workbook"),
    (b"PK\x03\x04" + b"\x00" * 100, "Upload a CSV file or an Excel workbook"),
])
def test_a_workbook_that_cannot_be_used_shows_the_error_on_the_form(client, importer, source,
                                                                    content, message):
    response = client.post(UPLOAD, {"source": source.pk,
                                    "file": SimpleUploadedFile("leads.xlsx", content)})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="file"' in html
    assert message in html
    assert LeadImport.objects.count() == 0

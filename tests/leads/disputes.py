"""A cast for the tests of disputes' evidence files and blind review: a rep with an open
dispute that names the rep three ways (the opener, a linked follow-up's author, a file's name),
and everyone who might read it."""

from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.core.org.models import DepartmentKind, Role
from leads.models import Dispute, FollowUp, LeadStatus, QualitySettings
from leads.services import dispute_open
from tests.factories import DepartmentFactory, LeadFactory, SourceFactory, UserFactory, member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><html><script>fetch('/api/v1/leads/')</script></html>"
DISPUTES = "/api/v1/disputes/"


def quality_cast() -> dict:
    sales = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales East")
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY, name="质检部")
    return {
        "rep": member(department=sales, user=UserFactory(full_name="王芳")),
        "other_rep": member(department=sales, user=UserFactory(full_name="李雷")),
        "sales_head": member(department=sales, role=Role.HEAD,
                             user=UserFactory(full_name="张伟")),
        "marketer": member(DepartmentKind.MARKETING, user=UserFactory(full_name="陈静")),
        "judge": member(department=quality, is_adjudicator=True,
                        user=UserFactory(full_name="吴判定")),
        "quality_head": member(department=quality, role=Role.HEAD,
                               user=UserFactory(full_name="周主管")),
        "superuser": UserFactory(full_name="系统管理员", is_superuser=True, is_staff=True),
    }


def rep_dispute(people: dict) -> Dispute:
    """The rep's open dispute, with a linked follow-up of the rep and a file named after
    the rep."""
    lead = LeadFactory(owner=people["rep"], status=LeadStatus.CONTACTED,
                       source=SourceFactory(name="百度推广"), name="陈先生")
    follow_up = FollowUp.objects.create(lead=lead, author=people["rep"], channel="call",
                                        outcome="wrong_contact", notes="空号")
    return dispute_open(lead=lead, actor=people["rep"], ground="wrong_number",
                        evidence="三次拨打均提示空号", follow_ups=[follow_up],
                        files=[SimpleUploadedFile("王芳的截图.png", PNG, "image/png")])


def blind_review(on: bool) -> None:
    QualitySettings.objects.update_or_create(pk=1, defaults={"blind_review": on})

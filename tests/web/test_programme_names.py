"""People read a programme's name, never its code ("accounting-4"): on the pages, in the exported
rosters (and their file names), in messages. The code stays where it is a key: links, form
values, the API, and the roster import's column, which the catalogue tells admins."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

from openpyxl import load_workbook

from tests.factories import Factory

CODE = "accounting-4"
NAME = "碳排放核算员 · 四级/中级工"


def seen(html: str) -> str:
    """The text a person reads: no tags, no attribute values, no scripts."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_exam_pages_name_the_programme(login, make: Factory) -> None:
    exam = make.exam_session(CODE)
    enrolment = make.enrolment(make.trainee(display_name="考生甲"), CODE)
    make.registration(enrolment, exam)
    make.commit()
    admin = login(make.admin())
    for url in (f"/admin/exam-sessions/{exam.id}", "/admin/exam-sessions"):
        page = seen(admin.get(url).get_data(as_text=True))
        assert NAME in page, url
        assert CODE not in page, url


def test_the_trainee_and_course_pages_name_the_programme(login, make: Factory) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, CODE, make.training_class(make.instructor()))
    make.commit()
    client = login(trainee)
    for url in ("/", f"/enrolments/{enrolment.id}", f"/enrolments/{enrolment.id}/certificate"):
        page = seen(client.get(url).get_data(as_text=True))
        assert NAME in page or "碳排放核算员" in page, url
        assert CODE not in page, url
    page = seen(login(make.admin()).get(f"/enrolments/{enrolment.id}").get_data(as_text=True))
    assert "开通培训项目：碳排放核算员 · 四级/中级工" in page  # its audit log
    assert CODE not in page


def test_the_video_library_and_applications_name_the_programme(login, make: Factory) -> None:
    make.video(CODE, title="第一讲")
    make.commit()
    admin = login(make.admin())
    page = seen(admin.get("/admin/videos").get_data(as_text=True))
    assert "碳排放核算员 四级" in page and CODE not in page
    page = seen(admin.get("/admin/applications").get_data(as_text=True))
    assert CODE not in page


def test_a_class_page_names_the_programme_of_each_trainee(login, make: Factory) -> None:
    training_class = make.training_class(make.instructor())
    make.enrolment(make.trainee(display_name="班级甲"), CODE, training_class)
    make.commit()
    page = seen(
        login(make.admin()).get(f"/admin/classes/{training_class.id}").get_data(as_text=True)
    )
    assert "班级甲" in page and NAME in page and CODE not in page


def test_the_catalogue_gives_the_code_only_as_the_import_key(login, make: Factory) -> None:
    admin = login(make.admin())
    page = admin.get("/admin").get_data(as_text=True)
    assert "名单导入代码" in page
    programme_id = make.enrolment(make.trainee(), CODE).programme_id
    make.commit()
    page = seen(admin.get(f"/admin/programmes/{programme_id}").get_data(as_text=True))
    assert NAME in page and f"本项目写作 {CODE}" in page


def test_exports_name_the_programme_in_their_rows_and_file_names(login, make: Factory) -> None:
    teacher = make.instructor()
    training_class = make.training_class(teacher)
    enrolment = make.enrolment(make.trainee(display_name="导出甲"), CODE, training_class)
    make.commit()
    admin = login(make.admin())
    answer = admin.get(f"/admin/programmes/{enrolment.programme_id}/export.xlsx")
    assert CODE not in unquote(answer.headers["Content-Disposition"])
    assert "碳排放核算员 四级.xlsx" in unquote(answer.headers["Content-Disposition"])
    book = load_workbook(io.BytesIO(answer.data))
    cells = [str(c) for sheet in book.worksheets for row in sheet.values for c in row]
    assert NAME in cells and not [c for c in cells if CODE in c]
    csv = login(teacher).get(f"/classes/{training_class.id}/export.csv").data.decode("utf-8")
    assert NAME in csv and CODE not in csv


def test_english_readers_get_the_english_name(login, make: Factory) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, CODE)
    make.commit()
    client = login(make.admin())
    client.post_form("/language", {"language": "en"})
    answer = client.get(f"/admin/programmes/{enrolment.programme_id}/export.csv")
    text = answer.data.decode("utf-8")
    assert "Carbon emission accountant · Level 4 / Intermediate" in text and CODE not in text


def test_a_refusal_names_the_programme(login, make: Factory) -> None:
    admin = login(make.admin())
    page = admin.post_form(
        "/admin/programmes/new",
        {"work_type": "accounting", "level": "4"},
    ).get_data(as_text=True)
    assert f"培训项目 {NAME} 已存在。" in page


def test_an_announcement_to_a_programme_names_it(login, make: Factory) -> None:
    from learning.services import announcements

    admin = make.admin()
    enrolment = make.enrolment(make.trainee(), CODE)
    announcements.publish(
        make.session,
        title="考前通知",
        body="请按时完成线上学时。",
        audience="programme",
        target_id=enrolment.programme_id,
        author_id=admin.id,
        now=make.clock.now(),
    )
    make.commit()
    client = login(admin)
    page = seen(client.get("/announcements").get_data(as_text=True))
    assert "考前通知" in page and NAME in page
    assert CODE not in page
    audit = seen(client.get("/admin/audit").get_data(as_text=True))
    assert f"发布公告：考前通知，发给{NAME}，已通知 1 名学员" in audit

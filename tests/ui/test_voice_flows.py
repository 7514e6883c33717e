"""A blind citizen finishes each of the four flows alone: keypad and voice, no touch.

Earphones are plugged in (voice mode starts with the welcome), every action
is a key of the keypad map, and what the kiosk says at every step is checked
from the speech interface. Each flow ends with the stored record and its
outbox mutation, as a touch user's would.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from core.kinds import SubmissionKind
from core.receipts import is_valid_code
from kiosk.keypad import Action
from tests.conftest import KioskDB
from tests.ui.blind_citizen import BlindCitizen
from tests.ui.kiosk_fixtures import only_record
from ui.earphone import ManualJack
from ui.i18n import translate
from ui.shell import KioskWindow


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


@pytest.fixture
def blind(qtbot: QtBot, kiosk: KioskWindow) -> BlindCitizen:
    citizen = BlindCitizen(qtbot, kiosk)
    jack = citizen.voice.jack
    assert isinstance(jack, ManualJack)
    jack.plug()
    return citizen


def test_earphones_start_voice_mode_with_a_welcome_that_explains_the_keypad(
    blind: BlindCitizen,
) -> None:
    welcome = blind.said[0]

    assert welcome.startswith("음성 안내를 시작합니다.")
    # The keypad explained by the keys of this kiosk's map, in words.
    for words in ("8번 키", "2번 키", "5번 키로 고릅니다", "0번 키는 이전", "9번 키는 다시 듣기"):
        assert words in welcome
    assert "키패드 오른쪽 아래 확인 키를 3초 동안 누르면 음성 안내가 꺼집니다" in welcome
    # Then the home screen, and the item the ring starts on.
    assert welcome.endswith(
        "무엇을 도와드릴까요? 원하시는 일을 눌러 주세요. "
        f"민원 신고, 버튼, 여섯 개 중 첫 번째. {ko('home.complaint.hint')}."
    )
    assert (
        blind.press(Action.NEXT)
        == f"익명 제안, 버튼, 여섯 개 중 두 번째. {ko('home.suggestion.hint')}"
    )


def test_a_complaint_by_keypad_and_voice_alone(blind: BlindCitizen, kiosk_db: KioskDB) -> None:
    # Home: the first tile is the complaint.
    said = blind.press(Action.ACTIVATE)
    assert said.startswith(
        "민원 신고. 4단계 중 1단계. 어떤 일인가요? 도로·보도 파손, 선택 항목, 열 개 중 첫 번째"
    )

    # Step 1: the category. Next without one: the error is said with its question.
    said = blind.next_page()
    assert said == f"입력 내용을 확인해 주세요. 어떤 일인가요?: {ko('error.category.required')}"
    assert "가로등·신호등, 선택 항목, 열 개 중 두 번째" in blind.find("가로등·신호등", Action.NEXT)
    assert blind.press(Action.ACTIVATE) == "가로등·신호등, 선택됨"
    said = blind.next_page()
    assert said.startswith(
        "민원 신고. 4단계 중 2단계. 어느 구인가요? 종로구, 선택 항목, 스물다섯 개 중 첫 번째"
    )

    # Step 2: the district; its dongs open below, and the address stays empty.
    blind.choose("마포구")
    assert blind.heard == "마포구, 선택됨"
    said = blind.press(Action.NEXT_GROUP)
    assert said.startswith("어느 동인가요? (선택) 잘 모름, 선택 항목")
    said = blind.press(Action.NEXT_GROUP)
    assert said.startswith("자세한 위치")
    assert "입력 칸, 비어 있음" in said
    said = blind.next_page()
    assert said.startswith("민원 신고. 4단계 중 3단계.")
    assert "무슨 일이 있었나요? 자세히 적어 주세요., 입력 칸, 비어 있음" in said

    # Step 3: the description, typed on the on-screen keyboard, jamo by jamo.
    said = blind.press(Action.ACTIVATE)
    assert said.startswith(
        "무슨 일이 있었나요? 자세히 적어 주세요. 입력. 화살표 키로 글자를 고르고"
    )
    echoes = blind.type_text("불이 꺼졌어요")
    assert echoes[:3] == ["ㅂ", "부", "불"]  # each key confirmed with the syllable so far
    assert "꺼" in echoes and "졌" in echoes
    said = blind.press(Action.BACK)  # out of the keyboard, back on the field
    assert said.startswith("무슨 일이 있었나요? 자세히 적어 주세요., 입력 칸, 불이 꺼졌어요")
    said = blind.next_page()
    assert said.startswith("민원 신고. 4단계 중 4단계.")
    assert "이름, 입력 칸, 비어 있음" in said

    # Step 4: contact. The name by keyboard, the phone by the keypad's digits.
    blind.press(Action.ACTIVATE)
    blind.type_text("김민수")
    assert blind.press(Action.BACK) == "이름, 입력 칸, 입력됨, 3자"
    said = blind.press(Action.NEXT)
    assert said.startswith("휴대전화 번호, 입력 칸, 비어 있음")
    said = blind.press(Action.ACTIVATE)
    assert said.startswith("휴대전화 번호 입력. 키패드의 숫자 키로 번호를 누르세요.")
    assert blind.type_digits("01012345678")[-1] == "8"  # earphones: the digit is echoed
    assert "키패드 오른쪽 아래 확인 키는 입력 끝입니다" in said  # 5 is a digit here
    mark = len(blind.said)
    blind.key("Keypad+Enter")  # OK ends the number, on to what follows
    said = " / ".join(blind.heard_since(mark))
    assert said == "입력을 마쳤습니다. 입력됨, 11자리. 이메일 (선택), 입력 칸, 비어 있음."
    blind.next_page()

    # Consent: read in full, then tick the box and go on.
    consent = blind.heard
    assert consent.startswith(f"{ko('consent.title')}. {ko('consent.purpose')}")
    assert ko("voice.hint.consent") in consent
    blind.find(ko("consent.required_box"), Action.NEXT)
    assert blind.press(Action.ACTIVATE).endswith("체크됨")
    blind.next_page()

    # Review: what will be sent, the contact details counted, not read.
    review = blind.heard
    assert review.startswith(f"{ko('flow.complaint')}. {ko('review.title')}.")
    assert "가로등·신호등" in review and "마포구" in review and "불이 꺼졌어요" in review
    assert "이름: 입력됨, 3자" in review and "휴대전화 번호: 입력됨, 11자리" in review
    assert "김민수" not in review and "5678" not in review
    blind.choose(ko("review.submit"))

    # Receipt: the code spelled character by character, again on the repeat key.
    assert blind.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.submission is not None and stored.submission.kind == SubmissionKind.COMPLAINT
    assert stored.submission.category_code == "streetlight"
    assert stored.submission.district == "mapo"
    assert stored.mutation.type == "complaint.create"
    code = stored.submission.receipt_code
    assert is_valid_code(code)
    spelled = f"{', '.join(code[:4])}. {', '.join(code[4:])}"
    assert spelled in blind.heard
    assert spelled in blind.press(Action.REPEAT)
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed["description"] == "불이 꺼졌어요"
    assert sealed["name"] == "김민수" and sealed["phone"] == "01012345678"
    # Personal data was never said whole, at any step.
    assert not any("김민수" in s or "01012345678" in s for s in blind.said)


def test_an_anonymous_suggestion_by_keypad_and_voice_alone(
    blind: BlindCitizen, kiosk_db: KioskDB
) -> None:
    assert blind.press(Action.NEXT).startswith("익명 제안, 버튼, 여섯 개 중 두 번째")
    said = blind.press(Action.ACTIVATE)
    # The note that this is no formal complaint is read before the first question.
    assert said.startswith(f"익명 제안. 3단계 중 1단계. {ko('suggestion.note')}")
    assert said.endswith("어떤 일인가요? 도로·보도 파손, 선택 항목, 열 개 중 첫 번째.")
    assert blind.choose("공원·녹지") == "공원·녹지, 선택됨"
    assert blind.next_page().startswith("익명 제안. 3단계 중 2단계. 어느 구인가요? 종로구")
    assert blind.choose("종로구") == "종로구, 선택됨"  # the ring was on it already
    said = blind.next_page()
    assert said.startswith("익명 제안. 3단계 중 3단계.")
    blind.press(Action.ACTIVATE)
    assert blind.type_text("벤치")[-1] == "치"
    blind.press(Action.BACK)
    said = blind.next_page()  # no personal data: no consent, straight to the review
    assert said.startswith(f"{ko('flow.suggestion')}. {ko('review.title')}.")
    assert "공원·녹지" in said and "종로구" in said and "벤치" in said
    blind.choose(ko("review.submit"))

    assert blind.screen == "receipt"
    assert blind.heard.startswith(f"{ko('receipt.title')}. {ko('receipt.code')}.")
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    assert stored.submission.kind == SubmissionKind.SUGGESTION
    assert stored.submission.category_code == "park"
    assert stored.submission.district == "jongno"
    assert stored.mutation.type == "complaint.create"
    assert kiosk_db.unsealed(stored.mutation)["description"] == "벤치"


def test_a_policy_proposal_by_keypad_and_voice_alone(
    blind: BlindCitizen, kiosk_db: KioskDB
) -> None:
    said = blind.choose("정책 제안")
    assert said.startswith("정책 제안. 4단계 중 1단계. 어느 분야의 정책인가요? 교통, 선택 항목")
    assert blind.press(Action.ACTIVATE) == "교통, 선택됨"
    said = blind.next_page()
    assert said.startswith("정책 제안. 4단계 중 2단계.")
    assert said.endswith("제안 제목, 입력 칸, 비어 있음.")
    blind.press(Action.ACTIVATE)
    blind.type_text("버스")
    assert blind.press(Action.BACK) == "제안 제목, 입력 칸, 버스"
    assert blind.press(Action.NEXT) == "제안 내용, 입력 칸, 비어 있음"
    blind.press(Action.ACTIVATE)
    blind.type_text("노선")
    blind.press(Action.BACK)
    said = blind.next_page()
    assert "관련된 구가 있나요? (선택) 선택 안 함, 선택 항목" in said
    said = blind.next_page()
    assert said.startswith("정책 제안. 4단계 중 4단계.")
    assert "이름 (선택), 입력 칸, 비어 있음" in said
    said = blind.next_page()  # no contact given: no consent asked
    assert said.startswith(f"{ko('flow.proposal')}. {ko('review.title')}.")
    assert "버스" in said and "노선" in said
    blind.choose(ko("review.submit"))

    assert blind.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    assert stored.submission.kind == SubmissionKind.PROPOSAL
    assert stored.mutation.type == "proposal.create"
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed["title"] == "버스" and sealed["description"] == "노선"


def test_an_event_sign_up_by_keypad_and_voice_alone(
    blind: BlindCitizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    said = blind.choose("행사 신청")
    assert said.startswith(f"{ko('flow.signup')}. {ko('signup.list.title')}.")
    assert "시장과의 현장 대화 – 성북구" in said and "버튼, 네 개 중 첫 번째" in said
    said = blind.press(Action.ACTIVATE)
    assert said.startswith("행사 신청. 1단계 중 1단계. 시장과의 현장 대화 – 성북구")
    assert said.endswith("이름, 입력 칸, 비어 있음.")
    blind.press(Action.ACTIVATE)
    blind.type_text("이민")
    blind.press(Action.BACK)
    blind.press(Action.NEXT)
    blind.press(Action.ACTIVATE)
    blind.type_digits("01098765432")
    blind.key("Keypad+Enter")
    blind.next_page()
    assert blind.heard.startswith(f"{ko('consent.title')}.")
    blind.find(ko("consent.required_box"))
    blind.press(Action.ACTIVATE)
    blind.next_page()
    review = blind.heard
    assert "시장과의 현장 대화 – 성북구" in review
    assert "이름: 입력됨, 2자" in review and "휴대전화 번호: 입력됨, 11자리" in review
    blind.choose(ko("review.submit"))

    assert blind.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.registration is not None
    assert stored.registration.event_id == 1
    assert stored.mutation.type == "signup.create"
    manual = kiosk.receipt.manual.text()
    # Both codes are spelled out: the receipt number and the entry code for the door.
    assert ", ".join(manual.replace("-", "")[:2]) in blind.heard
    assert not any("01098765432" in s for s in blind.said)

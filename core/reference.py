"""Fixed reference lists both sides know: Seoul's districts and the policy areas.

Codes, not names, travel on the wire and sit in both databases; the names
here are what screens, staff pages and exports show.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    code: str
    ko: str
    en: str

    def name(self, language: str) -> str:
        return self.ko if language == "ko" else self.en


SEOUL_DISTRICTS: tuple[Named, ...] = tuple(
    Named(code, ko, en)
    for code, ko, en in (
        ("jongno", "종로구", "Jongno-gu"),
        ("jung", "중구", "Jung-gu"),
        ("yongsan", "용산구", "Yongsan-gu"),
        ("seongdong", "성동구", "Seongdong-gu"),
        ("gwangjin", "광진구", "Gwangjin-gu"),
        ("dongdaemun", "동대문구", "Dongdaemun-gu"),
        ("jungnang", "중랑구", "Jungnang-gu"),
        ("seongbuk", "성북구", "Seongbuk-gu"),
        ("gangbuk", "강북구", "Gangbuk-gu"),
        ("dobong", "도봉구", "Dobong-gu"),
        ("nowon", "노원구", "Nowon-gu"),
        ("eunpyeong", "은평구", "Eunpyeong-gu"),
        ("seodaemun", "서대문구", "Seodaemun-gu"),
        ("mapo", "마포구", "Mapo-gu"),
        ("yangcheon", "양천구", "Yangcheon-gu"),
        ("gangseo", "강서구", "Gangseo-gu"),
        ("guro", "구로구", "Guro-gu"),
        ("geumcheon", "금천구", "Geumcheon-gu"),
        ("yeongdeungpo", "영등포구", "Yeongdeungpo-gu"),
        ("dongjak", "동작구", "Dongjak-gu"),
        ("gwanak", "관악구", "Gwanak-gu"),
        ("seocho", "서초구", "Seocho-gu"),
        ("gangnam", "강남구", "Gangnam-gu"),
        ("songpa", "송파구", "Songpa-gu"),
        ("gangdong", "강동구", "Gangdong-gu"),
    )
)
DISTRICT_CODES = frozenset(d.code for d in SEOUL_DISTRICTS)

POLICY_AREAS: tuple[Named, ...] = tuple(
    Named(code, ko, en)
    for code, ko, en in (
        ("transport", "교통", "Transport"),
        ("environment", "환경", "Environment"),
        ("welfare", "복지", "Welfare"),
        ("housing", "주거", "Housing"),
        ("safety", "안전", "Safety"),
        ("culture", "문화·관광", "Culture & tourism"),
        ("economy", "경제·일자리", "Economy & jobs"),
        ("education", "교육", "Education"),
        ("administration", "행정", "Administration"),
        ("other", "기타", "Other"),
    )
)
POLICY_AREA_CODES = frozenset(a.code for a in POLICY_AREAS)

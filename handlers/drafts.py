"""What a guided flow has gathered so far, as typed models instead of untyped `user_data` dicts.

Each draft is kept in PTB's persisted `user_data` under its `KEY`, as plain JSON-able data, so
it survives a restart exactly as the dicts do today; the keys and field names are the ones the
handlers use now (`draft`, `notice_draft`, `schedule_draft`, `order_draft`, `invite`), so a
conversation in progress across the deploy that switches a flow over keeps its draft.
Something stored that no longer fits the model (an older shape, a hand edit) reads as no draft,
never as an exception. `handlers.context.BotContext.draft` is the way handlers reach them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date, datetime
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.models import Draft as ReportDraftData
from bot.core.models import Location, MediaRef
from bot.delivery.audiences import Audience, AudienceKind
from bot.notices.service import ContentKind
from bot.people.directory import Role
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind

UserData = MutableMapping[Any, Any]


class Draft(BaseModel):
    """Base of every draft: load, store and drop it in `user_data` under the class's KEY."""

    # Built when a draft of the kind is first loaded or made, not at import: eight drafts' and
    # their parts' schemas were 7–10 ms of every start-up, most of them unused for hours.
    model_config = ConfigDict(validate_assignment=True, extra="ignore", defer_build=True)
    KEY: ClassVar[str]

    @classmethod
    def load(cls, user_data: UserData | None) -> Self | None:
        """The draft kept for this person, or None if there is none or it no longer fits."""
        stored = (user_data or {}).get(cls.KEY)
        if not isinstance(stored, dict):
            return None
        try:
            return cls.model_validate(stored)
        except ValidationError:
            return None

    def store(self, user_data: UserData) -> None:
        user_data[self.KEY] = self.model_dump(mode="json")

    @classmethod
    def drop(cls, user_data: UserData | None) -> None:
        if user_data is not None:
            user_data.pop(cls.KEY, None)


class StoredFile(BaseModel):
    """A file the person sent (`bot.core.models.MediaRef` as stored)."""

    model_config = ConfigDict(defer_build=True)

    file_id: str
    file_unique_id: str
    local_path: str | None = None
    kind: str = "photo"
    """"document" for a picture sent as a file (see `MediaRef.kind`)."""

    @classmethod
    def of(cls, ref: MediaRef) -> StoredFile:
        return cls(
            file_id=ref.file_id,
            file_unique_id=ref.file_unique_id,
            local_path=ref.local_path,
            kind=ref.kind,
        )

    def ref(self) -> MediaRef:
        return MediaRef(self.file_id, self.file_unique_id, self.local_path, self.kind)


class StoredPoint(BaseModel):
    """A place (`bot.core.models.Location` as stored)."""

    model_config = ConfigDict(defer_build=True)

    latitude: float
    longitude: float
    source: str

    @classmethod
    def of(cls, location: Location) -> StoredPoint:
        return cls(latitude=location.latitude, longitude=location.longitude, source=location.source)

    def location(self) -> Location:
        return Location(self.latitude, self.longitude, self.source)


class StoredAudience(BaseModel):
    """An audience as stored: its kind and the ids it names."""

    model_config = ConfigDict(defer_build=True)

    kind: AudienceKind
    ids: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, audience: Audience) -> StoredAudience:
        return cls(kind=audience.kind, ids=list(audience.ids))

    def audience(self) -> Audience:
        return Audience(self.kind, tuple(self.ids))


class ReportDraft(Draft):
    """A villager's report before it is submitted (handlers.reporting)."""

    KEY: ClassVar[str] = "draft"
    photos: list[StoredFile] = Field(default_factory=list)
    location: StoredPoint | None = None
    hamlet_id: str | None = None
    exif_location: StoredPoint | None = None
    category: str | None = None
    description: str | None = None
    voice: StoredFile | None = None
    id: str | None = None
    """Given when the draft is started; Submit makes one report per id, however often pressed."""
    voice_audience: Literal["office", "member"] = "office"
    """Who may hear the voice note (`handlers.voice`): the office only, or the grid member too."""
    album: str | None = None
    """The media group of the last photo: an album's later photos ask for the place once."""
    told_full: str | None = None
    """The album (or message) already told "at most N photos": told once per batch."""
    summary_message_id: int | None = None
    """The summary with ✅ Submit on screen: retired when a newer one replaces it."""

    SCREEN: ClassVar[tuple[str, ...]] = ("album", "told_full", "summary_message_id")
    """What the flow remembers of the chat rather than of the report: stored only once set,
    so a draft without them is stored in the domain draft's shape."""

    def store(self, user_data: UserData) -> None:
        unset = {name for name in self.SCREEN if getattr(self, name) is None}
        user_data[self.KEY] = self.model_dump(mode="json", exclude=unset)

    def add_photo(self, ref: MediaRef) -> None:
        self.photos = [*self.photos, StoredFile.of(ref)]

    @classmethod
    def of(cls, draft: ReportDraftData) -> ReportDraft:
        """From the domain draft `bot.reporting.service.ReportService.submit` takes."""
        return cls(
            photos=[StoredFile.of(photo) for photo in draft.photos],
            location=StoredPoint.of(draft.location) if draft.location else None,
            hamlet_id=draft.hamlet_id,
            exif_location=StoredPoint.of(draft.exif_location) if draft.exif_location else None,
            category=draft.category,
            description=draft.description,
            voice=StoredFile.of(draft.voice) if draft.voice else None,
            id=draft.id,
            voice_audience="member" if draft.voice_audience == "member" else "office",
        )

    def domain(self) -> ReportDraftData:
        """The domain draft, for the service."""
        return ReportDraftData(
            photos=[photo.ref() for photo in self.photos],
            location=self.location.location() if self.location else None,
            hamlet_id=self.hamlet_id,
            exif_location=self.exif_location.location() if self.exif_location else None,
            category=self.category,
            description=self.description,
            voice=self.voice.ref() if self.voice else None,
            id=self.id,
            voice_audience=self.voice_audience,
        )


class NoticeDraft(Draft):
    """An office notice being written (handlers.notices: DRAFT)."""

    KEY: ClassVar[str] = "notice_draft"
    villages: list[str] = Field(default_factory=list)
    """Villages ticked so far, for a villages audience."""
    audience: StoredAudience | None = None
    kind: ContentKind | None = None
    file_id: str | None = None
    texts: dict[str, str] = Field(default_factory=dict)
    """The text per language; the default language's first."""
    translating: str | None = None
    """The language whose translation is awaited."""
    send_at: datetime | None = None
    """None: send as soon as it is confirmed."""


class ScheduleDraft(Draft):
    """A schedule being set up (handlers.new_schedule: DRAFT)."""

    KEY: ClassVar[str] = "schedule_draft"
    kind: ScheduleKind | None = None
    repeat: Repeat | None = None
    weekdays: list[int] = Field(default_factory=list)
    month: int | None = None
    day: int | None = None
    on: date | None = None
    at: str | None = None
    """Local time of day as HH:MM."""
    audience: StoredAudience | None = None
    suggested_title: str | None = None
    suggested_titles: dict[str, str] = Field(default_factory=dict)
    """The suggestion in every language: a tapped one is stored in each, for each reader."""
    title: str | None = None
    titles: dict[str, str] = Field(default_factory=dict)
    """The title in every language when the suggestion was tapped (a typed one is in one)."""
    message: dict[str, str] = Field(default_factory=dict)
    reminders: list[int] = Field(default_factory=list)
    """Indexes into handlers.new_schedule.OFFERED_REMINDERS."""


class OrderDraft(Draft):
    """A rectification order being written (handlers.orders: DRAFT)."""

    KEY: ClassVar[str] = "order_draft"
    village_id: str | None = None
    hamlet_id: str | None = None
    """None with a village: the whole village (to the village lead)."""
    latitude: float | None = None
    longitude: float | None = None
    text: str | None = None
    photo: StoredFile | None = None
    fix_by: datetime | None = None
    prompt_message_id: int | None = None
    """The question whose buttons go once it is answered (the photo's Skip, the deadlines)."""

    def pin(self) -> Location | None:
        """The location pin the order was placed with, if any."""
        if self.latitude is None or self.longitude is None:
            return None
        return Location(self.latitude, self.longitude, "gps")


class InviteDraft(Draft):
    """An invitation being put together (handlers.roles: INVITE)."""

    KEY: ClassVar[str] = "invite"
    role: Role | None = None
    village: str | None = None
    hamlets: list[str] = Field(default_factory=list)


class FixDraft(Draft):
    """A grid member reporting a fix: which report and the after-photo (handlers.tasks; today
    the two loose keys `working_on` and `after_photo`)."""

    KEY: ClassVar[str] = "fix_draft"
    report_id: int
    after_photo: StoredFile | None = None
    card_message_id: int | None = None
    """The task card whose buttons are retired once the fix is reported."""
    skip_message_id: int | None = None
    """The message with "Skip ➡", retired once a note is typed."""


class RejectDraft(Draft):
    """The office rejecting a report, waiting for the reason (handlers.office; today the loose
    key `rejecting`)."""

    KEY: ClassVar[str] = "reject_draft"
    report_id: int
    card_message_id: int | None = None
    """The card whose Assign / Reject buttons are retired once it is rejected."""


DRAFTS: tuple[type[Draft], ...] = (
    ReportDraft,
    NoticeDraft,
    ScheduleDraft,
    OrderDraft,
    InviteDraft,
    FixDraft,
    RejectDraft,
)
"""Every draft; /forgetme drops them all."""

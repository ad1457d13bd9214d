//! Dutch and English for every text a person reads in an error answer.
//!
//! Handlers never write a finished sentence into an [`ApiError`]: they name a message of the
//! catalogue ([`Msg`], with its parameters), and the text is chosen when the answer is written.
//! [`localize_problems`] picks the reader's language for each request:
//!
//! 1. a signed-in caller's stored language (`users.language`, put on the request by the
//!    [`crate::auth::AuthUser`] extractor with [`remember_user_language`]);
//! 2. else the best of `nl` / `en` in `Accept-Language` (q-values honoured, `q=0` refused);
//! 3. else Dutch.
//!
//! Problem answers say which one they are in with `Content-Language`. The machine `code`
//! never changes with the language.

use crate::domain::credentials::Weakness;
use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptLanguage, Header as _, HeaderValue, Preference};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use std::borrow::Cow;

pub use crate::domain::kinds::Language;

/// The signed-in caller's stored language, kept in the request's extensions.
#[derive(Debug, Clone, Copy)]
struct UserLanguage(Language);

/// Remembers the signed-in caller's stored language for the rest of the request.
pub fn remember_user_language(req: &HttpRequest, lang: Language) {
    req.extensions_mut().insert(UserLanguage(lang));
}

/// The first of Dutch or English the `Accept-Language` header asks for, by q-value (ties in
/// the order written). actix-web's typed header does the parsing (RFC 9110 grammar, q-values);
/// tags other than `nl*`/`en*` and `*` are skipped, `q=0` means "not this one".
pub fn from_accept_language(msg: &impl HttpMessage) -> Option<Language> {
    let parsed = AcceptLanguage::parse(msg).ok()?;
    let mut items = parsed.0;
    // Stable: equal q-values keep the order the client wrote.
    items.sort_by_key(|item| std::cmp::Reverse(item.quality));
    items
        .iter()
        .filter(|item| item.quality > header::Quality::ZERO)
        .find_map(|item| match &item.item {
            Preference::Specific(tag) => match tag.primary_language().to_ascii_lowercase().as_str()
            {
                "nl" => Some(Language::Nl),
                "en" => Some(Language::En),
                _ => None,
            },
            Preference::Any => Some(Language::Nl),
        })
}

/// The language to answer this request in (see the module comment).
pub fn request_language(req: &HttpRequest) -> Language {
    if let Some(UserLanguage(lang)) = req.extensions().get::<UserLanguage>() {
        return *lang;
    }
    from_accept_language(req).unwrap_or(Language::Nl)
}

/// The `Content-Language` value of a language.
pub fn content_language(lang: Language) -> HeaderValue {
    HeaderValue::from_static(lang.as_str())
}

/// Middleware: every problem answer that carries its [`ApiError`] is written again in the
/// request's language (only the body and `Content-Language` change; status and every other
/// header stay as the inner layers set them). It sits inside the compression layers, so the
/// body is replaced before anything encodes it.
pub async fn localize_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(err) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    else {
        return Ok(res);
    };
    let lang = request_language(res.request());
    let body = err.problem_body(lang);
    Ok(res.map_body(|head, _| {
        head.headers
            .insert(header::CONTENT_LANGUAGE, content_language(lang));
        BoxBody::new(body)
    }))
}

/// Every message of the API, with its parameters. Its text in each language is in
/// [`Msg::texts`]; the catalogue test checks each has a Dutch and an English text.
///
/// Dutch is plain (B1), addresses the reader with "je" and never blames: it says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    // --- titles: the short summary of each kind of problem ---
    TitleBadRequest,
    TitleInvalidJson,
    TitleValidation,
    TitleUnsupportedMediaType,
    TitlePayloadTooLarge,
    TitleUnauthorized,
    TitleSessionEnded,
    TitleForbidden,
    TitleNotFound,
    TitleNotAcceptable,
    TitleRequestTimeout,
    TitleMethodNotAllowed,
    TitleConflict,
    TitlePreconditionFailed,
    TitlePreconditionRequired,
    TitleTooManyRequests,
    TitleLocked,
    TitleUnavailable,
    TitleInternal,
    TitleUnsupportedFile,
    TitleUnreadableFile,
    TitleImageTooLarge,
    TitleFileTooLarge,
    TitlePlanFull,

    // --- requests the service cannot read ---
    /// `{reason}` is the JSON parser's (English) description of the spot.
    InvalidJson {
        reason: String,
    },
    /// `{reason}` is the deserializer's (English) description of what does not fit.
    BodyShape {
        reason: String,
    },
    BodyNotObject,
    BodyUnreadable,
    UnsupportedMediaType,
    PayloadTooLarge {
        limit: usize,
    },
    UploadInterrupted,
    NotAcceptable,
    RequestTimeout {
        secs: u64,
    },
    MethodNotAllowed {
        method: String,
    },
    NotFound,
    UnknownQueryParameter {
        name: String,
    },
    /// `{takes}` is serde's list of the parameters, e.g. "one of `limit`, `cursor`".
    UnknownQueryParameterTakes {
        name: String,
        takes: String,
    },
    InvalidQuery {
        reason: String,
    },
    /// `{header}` is `If-Match` or `If-None-Match`.
    MalformedCondition {
        header: &'static str,
    },
    InvalidCursor,
    PreconditionFailed,
    PreconditionRequired,

    // --- signing in and sessions ---
    SignInFirst,
    BearerFormat,
    TokenInvalid,
    SessionEnded,
    SessionExpired,
    WrongCredentials,
    AccountLocked,
    ActivationCodeInvalid,
    AccountGone,
    CurrentPasswordWrong,
    RoleNotAllowed,
    OtherSite,
    SignInRateLimited,
    HashingBusy,

    // --- the service itself ---
    DatabaseUnavailable,
    NotReady,
    Internal,
    AlreadyExists,
    ReferenceGone,

    // --- state conflicts ---
    IdempotencyKeyReused,
    TemplateVersionExists,
    PlanExists,
    EmailTaken,
    CannotDisableSelf,
    LoginNameExhausted,
    StepNotOpen,
    HelpNeedsOpenStep,
    PlanNeedsOpenStep,
    SnoozeNeedsOpenStep,
    CrisisCannotWait,
    StepCompleted,
    VerifyNeedsDone,
    ReopenNeedsFinished,
    NoCrisisStep,
    AlreadyAnswered,
    FeedbackNeedsDone,
    DocumentsNeedOpenStep,
    StepTakesNoDocuments,
    DocumentReviewed,

    // --- documents ---
    HeicNotSupported,
    FileTypeNotSupported,
    ImageUnreadable,
    ImageTooManyPixels,
    FileTooLarge {
        mib: u64,
    },
    PlanDocumentsFull,

    // --- invalid fields: `detail` of a 422, and each field's own message ---
    /// The detail of a 422 naming its (first) field.
    CheckField {
        field: String,
        message: Box<Msg>,
    },
    MustNotBeEmpty,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    NoControlCharacters,
    NoControlCharactersExceptLines,
    NoControlCharactersInNames,
    NotAnEmail,
    Between {
        min: i64,
        max: i64,
    },
    ProbabilityRange,
    Weak(Weakness),
    PinOrPassword,
    RefreshTokenMissing,
    TokenTransportUnknown,
    ResidentStepTakesNoUser,
    StaffStepNeedsUser,
    MustBeTeamCaseworker,
    MustBeTeamVolunteer,
    NotAnIntakeQuestion,
    UnknownItemKey {
        key: String,
    },
    UnknownItem,
    UnknownTemplate,
    NotATemplateCategory,
    DependsOnThisPlan,
    /// `{reason}` is the template checker's (English) finding; staff read it.
    TemplateInvalid {
        reason: String,
    },
    DoneOnRange,
    UnknownTeam,
    ResidentsElsewhere,
    DisciplineRequired,
    DisciplineOnlyCaseworkers,
    FcmToken,
    QuietHoursFormat,
    TimeZone,
    StatusSkipOrCancel,
    OwnTeamOnly,
    VisibleAscii,
    KeyLength {
        max: usize,
    },
    TimeFormat,
    WithinDays {
        days: u32,
    },
    TimeInPast,
    NoteNeeded,
    UntilRange {
        days: u32,
    },
    WebPushKeysNeeded,
    WebPushKeysOnlyForWebPush,
    WebPushOff,
    WebPushEndpoint,
    WebPushP256dh,
    WebPushAuth,
    TusVersion,
    UploadExceedsLength,
    UploadContentType,
    /// `{header}` is the tus header's name; `{what}` the (English) rule it broke.
    TusHeader {
        header: &'static str,
        what: &'static str,
    },
    UploadOffsetMismatch {
        offset: i64,
    },
    ListTooLong {
        max: usize,
    },
    /// `{key}` is a template item key listed in `done_in_conversation`.
    DoneNotInPlan {
        key: String,
    },

    // --- staff e-mail (no resident names, step texts or debt details) ---
    /// Subject of the daily digest; `{total}` items on the worklist.
    MailDigestSubject {
        total: u32,
    },
    /// `{name}` is the caseworker's first name.
    MailGreeting {
        name: String,
    },
    MailDigestIntro,
    /// One line of the digest: a kind and how many items it has.
    MailKindCount {
        kind: crate::domain::worklist::WorklistKind,
        count: u32,
    },
    /// `{url}` is the console's address.
    MailOpenConsole {
        url: String,
    },
    MailFooter,
    MailCrisisSubject,
    MailCrisisBody,
    /// An RFC 3339 date-time with offset is expected.
    DateTimeFormat,
    /// The appointment is cancelled or recorded.
    AppointmentNotPlanned,
    /// The appointment has not started.
    AppointmentNotStarted,
    /// The appointment has started or passed.
    AppointmentPassed,
}

/// The Dutch and English name of a worklist kind (the digest's lines, the vocabulary).
pub fn worklist_kind_name(kind: crate::domain::worklist::WorklistKind) -> [&'static str; 2] {
    use crate::domain::worklist::WorklistKind as K;
    match kind {
        K::Crisis => [
            "Spoed (binnen 3 werkdagen)",
            "Crisis (within 3 working days)",
        ],
        K::HelpRequested => ["Vragen om hulp", "Help requested"],
        K::DocumentToReview => ["Documenten om te bekijken", "Documents to review"],
        K::Inactive21 => ["21 dagen niets gedaan", "21 days without activity"],
        K::WaitingForStaff => [
            "Stappen die op het team wachten",
            "Steps waiting for the team",
        ],
        K::Stabilisation120 => [
            "Langer dan 120 dagen in stabilisatie",
            "Over 120 days in stabilisation",
        ],
        K::Inactive14 => ["14 dagen niets gedaan", "14 days without activity"],
        K::Snoozed => ["Stappen even opzij gezet", "Steps put aside for now"],
        K::Stabilisation90 => [
            "Langer dan 90 dagen in stabilisatie",
            "Over 90 days in stabilisation",
        ],
        K::AppointmentToday => ["Afspraken vandaag", "Appointments today"],
        K::AppointmentUnconfirmed => [
            "Afspraken nog niet bevestigd",
            "Appointments not yet confirmed",
        ],
        K::AppointmentMoveRequested => [
            "Vragen om een afspraak te verzetten",
            "Requests to move an appointment",
        ],
        K::AppointmentMissed => ["Gemiste afspraken", "Missed appointments"],
    }
}

/// Both texts, borrowed when fixed.
fn fixed(nl: &'static str, en: &'static str) -> [Cow<'static, str>; 2] {
    [Cow::Borrowed(nl), Cow::Borrowed(en)]
}

fn made(nl: String, en: String) -> [Cow<'static, str>; 2] {
    [Cow::Owned(nl), Cow::Owned(en)]
}

impl Msg {
    /// The text in one language.
    pub fn text(&self, lang: Language) -> Cow<'static, str> {
        let [nl, en] = self.texts();
        match lang {
            Language::Nl => nl,
            Language::En => en,
        }
    }

    /// The Dutch and the English text.
    pub fn texts(&self) -> [Cow<'static, str>; 2] {
        use Msg::*;
        match self {
            TitleBadRequest => fixed("Verzoek niet te lezen", "Bad request"),
            TitleInvalidJson => fixed("Geen geldige JSON", "Invalid JSON"),
            TitleValidation => fixed("Kijk je invoer na", "Invalid input"),
            TitleUnsupportedMediaType => {
                fixed("Soort gegevens past niet", "Unsupported media type")
            }
            TitlePayloadTooLarge => fixed("Te veel gegevens", "Payload too large"),
            TitleUnauthorized => fixed("Niet ingelogd", "Not signed in"),
            TitleSessionEnded => fixed("Uitgelogd", "Session ended"),
            TitleForbidden => fixed("Dit mag niet", "Not allowed"),
            TitleNotFound => fixed("Niet gevonden", "Not found"),
            TitleNotAcceptable => fixed("Niet mogelijk", "Not acceptable"),
            TitleRequestTimeout => fixed("Duurde te lang", "Request timeout"),
            TitleMethodNotAllowed => fixed("Niet mogelijk", "Method not allowed"),
            TitleConflict => fixed("Dit kan nu niet", "Conflict"),
            TitlePreconditionFailed => fixed("Intussen veranderd", "Precondition failed"),
            TitlePreconditionRequired => fixed("Versie ontbreekt", "Precondition required"),
            TitleTooManyRequests => fixed("Even wachten", "Too many requests"),
            TitleLocked => fixed("Account op slot", "Account locked"),
            TitleUnavailable => fixed("Even niet beschikbaar", "Service unavailable"),
            TitleInternal => fixed("Er ging iets mis", "Internal error"),
            TitleUnsupportedFile => fixed("Dit soort bestand werkt niet", "Unsupported file type"),
            TitleUnreadableFile => fixed("Bestand niet te openen", "Unreadable file"),
            TitleImageTooLarge => fixed("Foto te groot", "Image too large"),
            TitleFileTooLarge => fixed("Bestand te groot", "File too large"),
            TitlePlanFull => fixed("Geen ruimte meer", "No room for more documents"),

            InvalidJson { reason } => made(
                format!("We kunnen de gegevens niet lezen: het is geen geldige JSON ({reason})."),
                format!("The request body is not valid JSON: {reason}"),
            ),
            BodyShape { reason } => made(
                format!("De gegevens passen niet bij wat we hier verwachten: {reason}"),
                format!("The request body does not fit the expected shape: {reason}"),
            ),
            BodyNotObject => fixed(
                "Stuur de gegevens als één JSON-object, tussen { en }.",
                "The request body must be a JSON object.",
            ),
            BodyUnreadable => fixed(
                "We konden de gegevens niet goed ontvangen. Probeer het nog een keer.",
                "The request body could not be read. Please try again.",
            ),
            UnsupportedMediaType => fixed(
                "Stuur de gegevens als application/json.",
                "The request body must be sent as application/json.",
            ),
            PayloadTooLarge { limit } => made(
                format!(
                    "Dit is te veel gegevens in één keer. Het mag maximaal {limit} bytes zijn."
                ),
                format!("The request body is larger than the limit of {limit} bytes."),
            ),
            UploadInterrupted => fixed(
                "Het versturen is onderbroken. Stuur het nog een keer.",
                "The upload was interrupted; please send it again.",
            ),
            NotAcceptable => fixed(
                "We kunnen dit antwoord niet sturen in een vorm die je vraagt.",
                "None of the content encodings the request accepts can be sent.",
            ),
            RequestTimeout { secs } => made(
                format!(
                    "De gegevens kwamen niet binnen {secs} seconden aan. Probeer het nog een keer."
                ),
                format!("The request body did not arrive within {secs} seconds. Please try again."),
            ),
            MethodNotAllowed { method } => made(
                format!("{method} kan hier niet. In de header Allow staat wat wel kan."),
                format!("Method {method} is not allowed here; the Allow header lists what is."),
            ),
            NotFound => fixed(
                "We kunnen dit niet vinden. Misschien bestaat het niet meer.",
                "No such resource.",
            ),
            UnknownQueryParameter { name } => made(
                format!("De parameter `{name}` kennen we niet. Hier horen geen parameters bij."),
                format!(
                    "Unknown query parameter `{name}`. This endpoint takes no query parameters."
                ),
            ),
            UnknownQueryParameterTakes { name, takes } => made(
                format!("De parameter `{name}` kennen we niet. Mogelijk is: {takes}."),
                format!("Unknown query parameter `{name}`. This endpoint takes {takes}."),
            ),
            InvalidQuery { reason } => made(
                format!("De parameters in het adres kloppen niet: {reason}"),
                format!("Invalid query parameters: {reason}"),
            ),
            MalformedCondition { header } => made(
                format!(
                    "De header {header} is niet te lezen. Stuur `*` of de versie precies zoals \
                     de header ETag die gaf (bijvoorbeeld {header}: \"3\")."
                ),
                format!(
                    "The {header} header is malformed: send `*` or entity tags in double quotes, \
                     exactly as the ETag header gives them (e.g. {header}: \"3\")."
                ),
            ),
            InvalidCursor => fixed(
                "Deze lijst is intussen veranderd. Begin opnieuw bovenaan de lijst (zonder cursor).",
                "The cursor is not valid for this list (it may have been changed, or its item is \
                 gone). Start again without a cursor.",
            ),
            PreconditionFailed => fixed(
                "Iemand anders heeft dit intussen veranderd. Haal het opnieuw op en probeer het nog een keer.",
                "The resource was changed by someone else; fetch it again and retry.",
            ),
            PreconditionRequired => fixed(
                "Stuur de versie mee die je hebt (de header If-Match met de ETag), zodat we niets van een ander overschrijven.",
                "This request needs an If-Match header with the resource's ETag.",
            ),

            SignInFirst => fixed(
                "Log eerst in. Stuur daarna je toegangstoken mee (Authorization: Bearer …).",
                "Sign in first: send an access token as 'Authorization: Bearer …'.",
            ),
            BearerFormat => fixed(
                "Stuur het toegangstoken als 'Authorization: Bearer <token>'.",
                "The Authorization header must be 'Bearer <token>'.",
            ),
            TokenInvalid => fixed(
                "Je toegangstoken werkt niet meer. Vraag een nieuw token aan, of log opnieuw in.",
                "The access token is invalid or expired.",
            ),
            SessionEnded => fixed(
                "Je bent uitgelogd (op dit apparaat, of je account of pincode is veranderd). Log opnieuw in om verder te gaan.",
                "You have been signed out (signed out on this device, or your account or PIN was changed). Please sign in again.",
            ),
            SessionExpired => fixed(
                "Je bent een tijd niet ingelogd geweest. Log opnieuw in om verder te gaan.",
                "This session has ended. Please sign in again.",
            ),
            WrongCredentials => fixed(
                "De naam of het wachtwoord of de pincode klopt niet. Probeer het nog een keer.",
                "The username or password/PIN is not correct.",
            ),
            AccountLocked => fixed(
                "Je account is even op slot, omdat de code een paar keer niet klopte. Probeer het later nog eens, of vraag je hulpverlener om het slot eraf te halen.",
                "This account is locked after too many wrong attempts. Try again later or ask your caseworker to unlock it.",
            ),
            ActivationCodeInvalid => fixed(
                "Deze activeringscode werkt niet (meer). Vraag je hulpverlener om een nieuwe code.",
                "This activation code is not valid (any more). Ask your caseworker for a new one.",
            ),
            AccountGone => fixed(
                "Dit account bestaat niet meer.",
                "This account no longer exists.",
            ),
            CurrentPasswordWrong => fixed(
                "Je huidige wachtwoord of pincode klopt niet. Probeer het nog een keer.",
                "The current password is not correct.",
            ),
            RoleNotAllowed => fixed(
                "Met jouw rol kun je dit niet gebruiken.",
                "Your role cannot use this endpoint.",
            ),
            OtherSite => fixed(
                "Dit verzoek komt van een andere website. Open de app zelf en probeer het daar.",
                "This request comes from another site.",
            ),
            SignInRateLimited => fixed(
                "Er is vanaf dit adres vaak geprobeerd in te loggen. Wacht even en probeer het dan opnieuw.",
                "Too many sign-in attempts from this address. Please wait a moment.",
            ),
            HashingBusy => fixed(
                "Er loggen nu veel mensen tegelijk in. Probeer het over een paar seconden opnieuw.",
                "Too many sign-ins at this moment. Please try again in a few seconds.",
            ),

            DatabaseUnavailable => fixed(
                "Het lukt nu even niet. Probeer het zo opnieuw.",
                "The database is not available right now. Please try again shortly.",
            ),
            NotReady => fixed(
                "De database is niet bereikbaar of nog niet bijgewerkt.",
                "The database is not reachable or not migrated.",
            ),
            Internal => fixed(
                "Er ging bij ons iets mis. Probeer het opnieuw.",
                "Something went wrong on our side. Please try again.",
            ),
            AlreadyExists => fixed(
                "Dit bestaat al.",
                "A resource with these values already exists.",
            ),
            ReferenceGone => fixed(
                "Iets waar dit over gaat, bestaat niet meer. Ververs de pagina en kijk opnieuw.",
                "Something this request refers to no longer exists.",
            ),

            IdempotencyKeyReused => fixed(
                "Deze Idempotency-Key is al gebruikt voor een ander verzoek. Gebruik een nieuwe.",
                "This Idempotency-Key was used for a different request.",
            ),
            TemplateVersionExists => fixed(
                "Deze versie van de lijst bestaat al. Geef de nieuwe lijst een hoger versienummer.",
                "This template key and version exist; use a higher version.",
            ),
            PlanExists => fixed(
                "Deze bewoner heeft al een plan. Sluit dat eerst af.",
                "This resident already has a current plan; close it first.",
            ),
            EmailTaken => fixed(
                "Er is al een account met dit e-mailadres.",
                "An account with this email address exists.",
            ),
            CannotDisableSelf => fixed(
                "Je eigen account kun je niet uitzetten. Vraag een andere beheerder.",
                "You cannot disable your own account.",
            ),
            LoginNameExhausted => fixed(
                "We vonden geen vrije inlognaam. Probeer een andere naam.",
                "Could not find a free login name; try a different display name.",
            ),
            StepNotOpen => fixed(
                "Deze stap staat niet open. Misschien is hij al klaar.",
                "This step is not open (it may be done already).",
            ),
            HelpNeedsOpenStep => fixed(
                "Je kunt hulp vragen bij een stap die open staat.",
                "Help can be asked for an open step.",
            ),
            PlanNeedsOpenStep => fixed(
                "Je kunt een moment plannen voor een stap die open staat.",
                "You can plan an open step.",
            ),
            SnoozeNeedsOpenStep => fixed(
                "Alleen een stap die open staat, kun je voor later bewaren.",
                "Only an open step can be put aside.",
            ),
            CrisisCannotWait => fixed(
                "Dit is een stap met spoed; die kan niet wachten. Vraag je hulpverlener om hulp.",
                "This is an urgent step; it cannot be put aside. Ask your caseworker for help instead.",
            ),
            StepCompleted => fixed(
                "Deze stap is al klaar. Zet hem eerst weer open.",
                "A completed step cannot be skipped or cancelled; reopen it first.",
            ),
            VerifyNeedsDone => fixed(
                "Alleen een stap die klaar is, kun je controleren.",
                "Only a done step can be verified.",
            ),
            ReopenNeedsFinished => fixed(
                "Alleen een stap die klaar, gecontroleerd, overgeslagen of gestopt is, kun je weer openzetten.",
                "Only a done, verified, skipped or cancelled step can be reopened.",
            ),
            NoCrisisStep => fixed(
                "Bij dit plan hoort geen stap voor deze crisis. Voeg een eigen P0-stap toe.",
                "This plan's action list has no step for this crisis; add a custom P0 step.",
            ),
            AlreadyAnswered => fixed(
                "Je hebt dit al beantwoord. Dank je wel!",
                "You answered this already. Thank you!",
            ),
            FeedbackNeedsDone => fixed(
                "Vertel ons hoe het ging als je de stap gedaan hebt.",
                "Tell us how it went after you did the step.",
            ),
            DocumentsNeedOpenStep => fixed(
                "Je kunt een bestand toevoegen aan een stap die open staat.",
                "Documents can be added to an open step.",
            ),
            StepTakesNoDocuments => fixed(
                "Bij deze stap hoort geen foto of document.",
                "This step does not ask for a photo or document.",
            ),
            DocumentReviewed => fixed(
                "Dit document is al bekeken; het kan niet meer weg.",
                "A reviewed document cannot be deleted.",
            ),

            HeicNotSupported => fixed(
                "Deze foto is in HEIC-formaat; die kunnen we nog niet lezen. Zet je camera op 'Meest compatibel' (JPEG) of maak een schermafbeelding, en stuur hem opnieuw.",
                "This photo is in HEIC format, which we cannot read yet. Set your camera to 'Most compatible' (JPEG) or take a screenshot, and send it again.",
            ),
            FileTypeNotSupported => fixed(
                "Dit soort bestand kunnen we niet gebruiken. Stuur een foto (JPEG of PNG) of een PDF.",
                "We cannot use this kind of file. Please send a photo (JPEG or PNG) or a PDF.",
            ),
            ImageUnreadable => fixed(
                "We kunnen deze foto niet openen. Misschien is hij beschadigd. Probeer het nog een keer.",
                "We cannot open this photo; it may be damaged. Please try again.",
            ),
            ImageTooManyPixels => fixed(
                "Deze foto is te groot om te verwerken. Maak een foto met een lagere resolutie.",
                "This photo is too large to process. Please take one at a lower resolution.",
            ),
            FileTooLarge { mib } => made(
                format!("Dit bestand is te groot. Een bestand mag maximaal {mib} MB zijn."),
                format!("This file is too large. A file may be at most {mib} MB."),
            ),
            PlanDocumentsFull => fixed(
                "Er is geen ruimte meer voor bestanden bij je plan. Vraag je hulpverlener om hulp.",
                "There is no more room for files in your plan. Please ask your caseworker.",
            ),

            CheckField { field, message } => {
                let [nl, en] = message.texts();
                made(
                    format!("Kijk nog even naar '{field}': {nl}"),
                    format!("Please check '{field}': {en}"),
                )
            }
            MustNotBeEmpty => fixed("Dit mag niet leeg zijn.", "This must not be empty."),
            TooShort { min } => made(
                format!("Dit moet minstens {min} tekens lang zijn."),
                format!("This must be at least {min} characters long."),
            ),
            TooLong { max } => made(
                format!("Dit mag maximaal {max} tekens lang zijn."),
                format!("This may be at most {max} characters long."),
            ),
            NoControlCharacters => fixed(
                "Hier horen alleen gewone tekens in: geen regeleinden, tabs of onzichtbare tekens.",
                "This must not contain control characters (such as NUL), line breaks or tabs.",
            ),
            NoControlCharactersExceptLines => fixed(
                "Hier horen alleen gewone tekens, regeleinden en tabs in; geen onzichtbare tekens.",
                "This must not contain control characters (such as NUL) other than line breaks and tabs.",
            ),
            NoControlCharactersInNames => fixed(
                "Namen van velden mogen geen onzichtbare tekens bevatten.",
                "Field names must not contain control characters.",
            ),
            NotAnEmail => fixed(
                "Vul een e-mailadres in, zoals naam@voorbeeld.nl.",
                "This must be an email address, such as name@example.org.",
            ),
            Between { min, max } => made(
                format!("Kies een getal van {min} tot en met {max}."),
                format!("This must be a number from {min} to {max}."),
            ),
            ProbabilityRange => fixed(
                "Kies een kans van 0 tot en met 1.",
                "This must be between 0 and 1.",
            ),
            Weak(w) => weakness(w),
            PinOrPassword => fixed(
                "Kies een pincode of een wachtwoord (één van de twee).",
                "Send either a PIN or a password.",
            ),
            RefreshTokenMissing => fixed(
                "Stuur het vernieuwingstoken mee, of gebruik de header X-Token-Transport: cookie.",
                "Send the refresh token, or use the header X-Token-Transport: cookie.",
            ),
            TokenTransportUnknown => fixed(
                "X-Token-Transport kent alleen de waarde cookie. Laat de header anders weg.",
                "X-Token-Transport only takes the value cookie. Otherwise leave the header out.",
            ),
            ResidentStepTakesNoUser => fixed(
                "Een stap van de bewoner zelf hoort bij niemand anders: laat user_id weg.",
                "A resident-owned step takes no user_id.",
            ),
            StaffStepNeedsUser => fixed(
                "Kies wie deze stap doet: user_id is nodig bij stappen voor hulpverleners en vrijwilligers.",
                "user_id is required for staff and volunteer steps.",
            ),
            MustBeTeamCaseworker => fixed(
                "Kies een actieve hulpverlener uit het team van dit plan.",
                "This must be an active caseworker of the plan's team.",
            ),
            MustBeTeamVolunteer => fixed(
                "Kies een actieve vrijwilliger uit het team van dit plan.",
                "This must be an active volunteer of the plan's team.",
            ),
            NotAnIntakeQuestion => fixed(
                "Deze vraag hoort niet bij het intakegesprek van deze lijst.",
                "This is not an intake question of this template.",
            ),
            UnknownItemKey { key } => made(
                format!("De stap {key} staat niet in deze lijst."),
                format!("Unknown item key {key}."),
            ),
            UnknownItem => fixed("Deze stap staat niet in deze lijst.", "Unknown item key."),
            UnknownTemplate => fixed("Deze lijst kennen we niet.", "Unknown template."),
            NotATemplateCategory => fixed(
                "Deze categorie hoort niet bij de lijst van dit plan.",
                "This is not a category of the plan's template.",
            ),
            DependsOnThisPlan => fixed(
                "Kies alleen stappen van dit plan.",
                "This must list steps of this plan.",
            ),
            TemplateInvalid { reason } => made(
                format!("De lijst klopt nog niet: {reason}"),
                format!("The template is not valid: {reason}"),
            ),
            DoneOnRange => fixed(
                "Kies vandaag of een dag in de afgelopen 14 dagen.",
                "This must be today or up to 14 days back.",
            ),
            UnknownTeam => fixed(
                "Een van deze teams kennen we niet.",
                "This contains an unknown team.",
            ),
            ResidentsElsewhere => fixed(
                "Bewoners maak je aan met POST /v1/residents.",
                "Residents are created with POST /v1/residents.",
            ),
            DisciplineRequired => fixed(
                "Kies bij een hulpverlener ook het vak (generalist of specialist).",
                "This is required for caseworkers.",
            ),
            DisciplineOnlyCaseworkers => fixed(
                "Een vak hoort alleen bij hulpverleners; laat het hier weg.",
                "This is only for caseworkers.",
            ),
            FcmToken => fixed(
                "Dit is geen geldige code voor meldingen (FCM-token).",
                "This must be an FCM registration token.",
            ),
            QuietHoursFormat => fixed(
                "Schrijf de rustige uren als UU:MM-UU:MM, bijvoorbeeld 21:00-08:00.",
                "Write quiet hours as HH:MM-HH:MM, for example 21:00-08:00.",
            ),
            TimeZone => fixed(
                "Kies een tijdzone zoals Europe/Amsterdam.",
                "This must be an IANA time zone such as Europe/Amsterdam.",
            ),
            StatusSkipOrCancel => fixed(
                "Hier kun je alleen 'skipped' (overslaan) of 'cancelled' (stoppen) kiezen.",
                "Only skipped or cancelled can be set here.",
            ),
            OwnTeamOnly => fixed(
                "Kies een van je eigen teams.",
                "This must be one of your own teams.",
            ),
            VisibleAscii => fixed(
                "Gebruik alleen gewone letters, cijfers en leestekens (ASCII).",
                "This must be visible ASCII.",
            ),
            KeyLength { max } => made(
                format!("Dit moet 1 tot en met {max} tekens lang zijn."),
                format!("This must be 1 to {max} characters."),
            ),
            TimeFormat => fixed(
                "Schrijf de tijd als UU:MM, bijvoorbeeld 09:30.",
                "Write the time as HH:MM, for example 09:30.",
            ),
            WithinDays { days } => made(
                format!("Kies vandaag of een dag in de komende {days} dagen."),
                format!("This must be today or within {days} days."),
            ),
            TimeInPast => fixed(
                "Dit moment is al voorbij. Kies een later moment.",
                "This moment lies in the past; choose a later one.",
            ),
            NoteNeeded => fixed(
                "Vertel in een paar woorden wat er is.",
                "A note is needed with reason other.",
            ),
            UntilRange { days } => made(
                format!("Kies een dag na vandaag, binnen {days} dagen."),
                format!("This must be after today and within {days} days."),
            ),
            WebPushKeysNeeded => fixed(
                "Stuur ook de sleutels van het abonnement mee.",
                "The subscription's keys are needed for web_push.",
            ),
            WebPushKeysOnlyForWebPush => fixed(
                "Sleutels horen alleen bij platform web_push.",
                "Keys belong only to platform web_push.",
            ),
            WebPushOff => fixed(
                "Berichten via de browser staan bij deze dienst niet aan.",
                "Web push is not turned on for this service.",
            ),
            WebPushEndpoint => fixed(
                "Dit adres hoort niet bij een berichtendienst die deze dienst toestaat.",
                "This must be the endpoint of a push service this service allows.",
            ),
            WebPushP256dh => fixed(
                "Dit moet een P-256-sleutel zijn, in base64url.",
                "This must be a P-256 public key in base64url.",
            ),
            TusVersion => fixed(
                "Je app gebruikt een manier van versturen die we niet kennen. Werk de app bij en probeer het opnieuw.",
                "Your app sends files in a way we do not know. Please update the app and try again.",
            ),
            UploadExceedsLength => fixed(
                "Er kwam meer binnen dan de lengte van het bestand. Begin opnieuw met versturen.",
                "More arrived than the file's length. Please start sending again.",
            ),
            UploadContentType => fixed(
                "Stuur het stuk van het bestand als application/offset+octet-stream.",
                "Send the piece of the file as application/offset+octet-stream.",
            ),
            TusHeader { header, what } => made(
                format!("De kop {header} klopt niet: {what}."),
                format!("{header}: {what}."),
            ),
            UploadOffsetMismatch { offset } => made(
                format!(
                    "Dit stuk begint niet waar het bestand nu is: wij hebben {offset} bytes. Ga verder vanaf Upload-Offset."
                ),
                format!(
                    "This piece does not start where the upload is: the server has {offset} bytes. Continue from Upload-Offset."
                ),
            ),
            ListTooLong { max } => made(
                format!("Dit mogen er hoogstens {max} zijn."),
                format!("At most {max} are allowed here."),
            ),
            MailDigestSubject { total } => made(
                format!("Je werklijst voor vandaag: {total} om naar te kijken"),
                format!("Your worklist for today: {total} to look at"),
            ),
            MailGreeting { name } => made(format!("Hoi {name},"), format!("Hi {name},")),
            MailDigestIntro => fixed(
                "Dit staat vandaag op je werklijst:",
                "This is on your worklist today:",
            ),
            MailKindCount { kind, count } => {
                let [nl, en] = worklist_kind_name(*kind);
                made(format!("{nl}: {count}"), format!("{en}: {count}"))
            }
            MailOpenConsole { url } => made(
                format!("Open je werklijst: {url}"),
                format!("Open your worklist: {url}"),
            ),
            MailFooter => fixed(
                "Je krijgt deze e-mail omdat je met Stap voor Stap werkt. Namen en details staan er bewust niet in: die zie je als je bent ingelogd.",
                "You get this e-mail because you work with Stap voor Stap. Names and details are left out on purpose: you see them once signed in.",
            ),
            MailCrisisSubject => fixed(
                "Spoed bij een inwoner van je team",
                "Urgent: a resident of your team",
            ),
            MailCrisisBody => fixed(
                "Er is een spoedstap open gezet bij een inwoner van je team. Zorg dat er binnen 3 werkdagen iets gebeurt.",
                "An urgent step has opened for a resident of your team. Make sure something happens within 3 working days.",
            ),
            DateTimeFormat => fixed(
                "Schrijf datum en tijd met de tijdzone, bijvoorbeeld 2026-12-10T10:30:00+01:00.",
                "Write an RFC 3339 date and time with offset, e.g. 2026-12-10T10:30:00+01:00.",
            ),
            AppointmentNotPlanned => fixed(
                "Deze afspraak is afgezegd of al afgerond.",
                "This appointment was cancelled or its outcome is recorded.",
            ),
            AppointmentNotStarted => fixed(
                "Deze afspraak is nog niet begonnen.",
                "This appointment has not started yet.",
            ),
            AppointmentPassed => fixed(
                "Deze afspraak is al begonnen of voorbij.",
                "This appointment has already started or passed.",
            ),
            DoneNotInPlan { key } => made(
                format!(
                    "De stap {key} hoort niet bij dit plan (n.v.t. of niet gekozen). Kies hem eerst, of haal hem weg bij 'gedaan in het gesprek'."
                ),
                format!(
                    "Step {key} is not part of this plan (not applicable or not selected): select it first, or leave it out of done_in_conversation."
                ),
            ),
            WebPushAuth => fixed(
                "Dit moeten 16 bytes zijn, in base64url.",
                "This must be 16 bytes in base64url.",
            ),
        }
    }
}

fn weakness(w: &Weakness) -> [Cow<'static, str>; 2] {
    match w {
        Weakness::PinDigits => fixed(
            "Een pincode heeft 5 of 6 cijfers.",
            "A PIN must be 5 or 6 digits.",
        ),
        Weakness::PinRepeated => fixed(
            "Kies een pincode met verschillende cijfers, niet steeds hetzelfde cijfer.",
            "A PIN must not be one digit repeated.",
        ),
        Weakness::PinRun => fixed(
            "Kies een pincode die niet makkelijk te raden is, dus niet zoiets als 12345.",
            "A PIN must not be a simple run such as 12345.",
        ),
        Weakness::TooShort { min } => made(
            format!("Een wachtwoord heeft minstens {min} tekens."),
            format!("The password must be at least {min} characters."),
        ),
        Weakness::TooLong { max } => made(
            format!("Een wachtwoord heeft hoogstens {max} tekens."),
            format!("The password must be at most {max} characters."),
        ),
        Weakness::FewDistinct => fixed(
            "Gebruik meer verschillende tekens in je wachtwoord.",
            "The password uses too few different characters.",
        ),
        Weakness::Common => fixed(
            "Dit wachtwoord is makkelijk te raden. Kies iets dat minder voor de hand ligt.",
            "The password contains a common word or sequence; choose something less guessable.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang_of(value: &str) -> Option<Language> {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, value))
            .to_http_request();
        from_accept_language(&req)
    }

    /// One value of every message; [`ordinal`] makes sure none is missing.
    fn samples() -> Vec<Msg> {
        use Msg::*;
        vec![
            TitleBadRequest,
            TitleInvalidJson,
            TitleValidation,
            TitleUnsupportedMediaType,
            TitlePayloadTooLarge,
            TitleUnauthorized,
            TitleSessionEnded,
            TitleForbidden,
            TitleNotFound,
            TitleNotAcceptable,
            TitleRequestTimeout,
            TitleMethodNotAllowed,
            TitleConflict,
            TitlePreconditionFailed,
            TitlePreconditionRequired,
            TitleTooManyRequests,
            TitleLocked,
            TitleUnavailable,
            TitleInternal,
            TitleUnsupportedFile,
            TitleUnreadableFile,
            TitleImageTooLarge,
            TitleFileTooLarge,
            TitlePlanFull,
            InvalidJson { reason: "x".into() },
            BodyShape { reason: "x".into() },
            BodyNotObject,
            BodyUnreadable,
            UnsupportedMediaType,
            PayloadTooLarge { limit: 3 },
            UploadInterrupted,
            NotAcceptable,
            RequestTimeout { secs: 3 },
            MethodNotAllowed { method: "x".into() },
            NotFound,
            UnknownQueryParameter { name: "x".into() },
            UnknownQueryParameterTakes {
                name: "x".into(),
                takes: "x".into(),
            },
            InvalidQuery { reason: "x".into() },
            MalformedCondition { header: "If-Match" },
            InvalidCursor,
            PreconditionFailed,
            PreconditionRequired,
            SignInFirst,
            BearerFormat,
            TokenInvalid,
            SessionEnded,
            SessionExpired,
            WrongCredentials,
            AccountLocked,
            ActivationCodeInvalid,
            AccountGone,
            CurrentPasswordWrong,
            RoleNotAllowed,
            OtherSite,
            SignInRateLimited,
            HashingBusy,
            DatabaseUnavailable,
            NotReady,
            Internal,
            AlreadyExists,
            ReferenceGone,
            IdempotencyKeyReused,
            TemplateVersionExists,
            PlanExists,
            EmailTaken,
            CannotDisableSelf,
            LoginNameExhausted,
            StepNotOpen,
            HelpNeedsOpenStep,
            PlanNeedsOpenStep,
            SnoozeNeedsOpenStep,
            CrisisCannotWait,
            StepCompleted,
            VerifyNeedsDone,
            ReopenNeedsFinished,
            NoCrisisStep,
            AlreadyAnswered,
            FeedbackNeedsDone,
            DocumentsNeedOpenStep,
            StepTakesNoDocuments,
            DocumentReviewed,
            HeicNotSupported,
            FileTypeNotSupported,
            ImageUnreadable,
            ImageTooManyPixels,
            FileTooLarge { mib: 3 },
            PlanDocumentsFull,
            CheckField {
                field: "x".into(),
                message: Box::new(MustNotBeEmpty),
            },
            MustNotBeEmpty,
            TooShort { min: 3 },
            TooLong { max: 3 },
            NoControlCharacters,
            NoControlCharactersExceptLines,
            NoControlCharactersInNames,
            NotAnEmail,
            Between { min: 3, max: 3 },
            ProbabilityRange,
            Weak(Weakness::PinDigits),
            PinOrPassword,
            RefreshTokenMissing,
            TokenTransportUnknown,
            ResidentStepTakesNoUser,
            StaffStepNeedsUser,
            MustBeTeamCaseworker,
            MustBeTeamVolunteer,
            NotAnIntakeQuestion,
            UnknownItemKey { key: "x".into() },
            UnknownItem,
            UnknownTemplate,
            NotATemplateCategory,
            DependsOnThisPlan,
            TemplateInvalid { reason: "x".into() },
            DoneOnRange,
            UnknownTeam,
            ResidentsElsewhere,
            DisciplineRequired,
            DisciplineOnlyCaseworkers,
            FcmToken,
            QuietHoursFormat,
            TimeZone,
            StatusSkipOrCancel,
            OwnTeamOnly,
            VisibleAscii,
            KeyLength { max: 3 },
            TimeFormat,
            WithinDays { days: 3 },
            TimeInPast,
            NoteNeeded,
            UntilRange { days: 3 },
            WebPushKeysNeeded,
            WebPushKeysOnlyForWebPush,
            WebPushOff,
            WebPushEndpoint,
            WebPushP256dh,
            WebPushAuth,
            TusVersion,
            UploadExceedsLength,
            UploadContentType,
            TusHeader {
                header: "Upload-Length",
                what: "is required",
            },
            UploadOffsetMismatch { offset: 5 },
            ListTooLong { max: 20 },
            DoneNotInPlan {
                key: "start.digid".into(),
            },
            MailDigestSubject { total: 3 },
            MailGreeting {
                name: "Anna".into(),
            },
            MailDigestIntro,
            MailKindCount {
                kind: crate::domain::worklist::WorklistKind::Crisis,
                count: 1,
            },
            MailOpenConsole {
                url: "https://svs.example/console/".into(),
            },
            MailFooter,
            MailCrisisSubject,
            MailCrisisBody,
            DateTimeFormat,
            AppointmentNotPlanned,
            AppointmentNotStarted,
            AppointmentPassed,
        ]
    }

    /// A number per variant: adding a message fails to compile here until it gets one, and
    /// then the catalogue test fails until [`samples`] has it.
    fn ordinal(m: &Msg) -> usize {
        use Msg::*;
        match m {
            TitleBadRequest => 0,
            TitleInvalidJson => 1,
            TitleValidation => 2,
            TitleUnsupportedMediaType => 3,
            TitlePayloadTooLarge => 4,
            TitleUnauthorized => 5,
            TitleSessionEnded => 6,
            TitleForbidden => 7,
            TitleNotFound => 8,
            TitleNotAcceptable => 9,
            TitleRequestTimeout => 10,
            TitleMethodNotAllowed => 11,
            TitleConflict => 12,
            TitlePreconditionFailed => 13,
            TitlePreconditionRequired => 14,
            TitleTooManyRequests => 15,
            TitleLocked => 16,
            TitleUnavailable => 17,
            TitleInternal => 18,
            TitleUnsupportedFile => 19,
            TitleUnreadableFile => 20,
            TitleImageTooLarge => 21,
            TitleFileTooLarge => 22,
            TitlePlanFull => 23,
            InvalidJson { .. } => 24,
            BodyShape { .. } => 25,
            BodyNotObject => 26,
            BodyUnreadable => 27,
            UnsupportedMediaType => 28,
            PayloadTooLarge { .. } => 29,
            UploadInterrupted => 30,
            NotAcceptable => 31,
            RequestTimeout { .. } => 32,
            MethodNotAllowed { .. } => 33,
            NotFound => 34,
            UnknownQueryParameter { .. } => 35,
            UnknownQueryParameterTakes { .. } => 36,
            InvalidQuery { .. } => 37,
            MalformedCondition { .. } => 38,
            InvalidCursor => 39,
            PreconditionFailed => 40,
            PreconditionRequired => 41,
            SignInFirst => 42,
            BearerFormat => 43,
            TokenInvalid => 44,
            SessionEnded => 45,
            SessionExpired => 46,
            WrongCredentials => 47,
            AccountLocked => 48,
            ActivationCodeInvalid => 49,
            AccountGone => 50,
            CurrentPasswordWrong => 51,
            RoleNotAllowed => 52,
            OtherSite => 53,
            SignInRateLimited => 54,
            HashingBusy => 55,
            DatabaseUnavailable => 56,
            NotReady => 57,
            Internal => 58,
            AlreadyExists => 59,
            ReferenceGone => 60,
            IdempotencyKeyReused => 61,
            TemplateVersionExists => 62,
            PlanExists => 63,
            EmailTaken => 64,
            CannotDisableSelf => 65,
            LoginNameExhausted => 66,
            StepNotOpen => 67,
            HelpNeedsOpenStep => 68,
            PlanNeedsOpenStep => 69,
            SnoozeNeedsOpenStep => 70,
            CrisisCannotWait => 71,
            StepCompleted => 72,
            VerifyNeedsDone => 73,
            ReopenNeedsFinished => 74,
            NoCrisisStep => 75,
            AlreadyAnswered => 76,
            FeedbackNeedsDone => 77,
            DocumentsNeedOpenStep => 78,
            StepTakesNoDocuments => 79,
            DocumentReviewed => 80,
            HeicNotSupported => 81,
            FileTypeNotSupported => 82,
            ImageUnreadable => 83,
            ImageTooManyPixels => 84,
            FileTooLarge { .. } => 85,
            PlanDocumentsFull => 86,
            CheckField { .. } => 87,
            MustNotBeEmpty => 88,
            TooShort { .. } => 89,
            TooLong { .. } => 90,
            NoControlCharacters => 91,
            NoControlCharactersExceptLines => 92,
            NoControlCharactersInNames => 93,
            NotAnEmail => 94,
            Between { .. } => 95,
            ProbabilityRange => 96,
            Weak(..) => 97,
            PinOrPassword => 98,
            RefreshTokenMissing => 99,
            ResidentStepTakesNoUser => 100,
            StaffStepNeedsUser => 101,
            MustBeTeamCaseworker => 102,
            MustBeTeamVolunteer => 103,
            NotAnIntakeQuestion => 104,
            UnknownItemKey { .. } => 105,
            UnknownItem => 106,
            UnknownTemplate => 107,
            NotATemplateCategory => 108,
            DependsOnThisPlan => 109,
            TemplateInvalid { .. } => 110,
            DoneOnRange => 111,
            UnknownTeam => 112,
            ResidentsElsewhere => 113,
            DisciplineRequired => 114,
            DisciplineOnlyCaseworkers => 115,
            FcmToken => 116,
            QuietHoursFormat => 117,
            TimeZone => 118,
            StatusSkipOrCancel => 119,
            OwnTeamOnly => 120,
            VisibleAscii => 121,
            KeyLength { .. } => 122,
            TimeFormat => 123,
            WithinDays { .. } => 124,
            TimeInPast => 125,
            NoteNeeded => 126,
            UntilRange { .. } => 127,
            WebPushKeysNeeded => 128,
            WebPushKeysOnlyForWebPush => 129,
            WebPushOff => 130,
            WebPushEndpoint => 131,
            WebPushP256dh => 132,
            WebPushAuth => 133,
            TusVersion => 134,
            UploadExceedsLength => 135,
            UploadContentType => 136,
            TusHeader { .. } => 137,
            UploadOffsetMismatch { .. } => 138,
            ListTooLong { .. } => 139,
            TokenTransportUnknown => 140,
            DoneNotInPlan { .. } => 141,
            MailDigestSubject { .. } => 142,
            MailGreeting { .. } => 143,
            MailDigestIntro => 144,
            MailKindCount { .. } => 145,
            MailOpenConsole { .. } => 146,
            MailFooter => 147,
            MailCrisisSubject => 148,
            MailCrisisBody => 149,
            DateTimeFormat => 150,
            AppointmentNotPlanned => 151,
            AppointmentNotStarted => 152,
            AppointmentPassed => 153,
        }
    }

    const MESSAGES: usize = 154;

    #[test]
    fn every_message_has_a_dutch_and_an_english_text() {
        let samples = samples();
        let mut seen: Vec<usize> = samples.iter().map(ordinal).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen,
            (0..MESSAGES).collect::<Vec<_>>(),
            "one sample per message"
        );
        for m in &samples {
            let [nl, en] = m.texts();
            assert!(!nl.trim().is_empty() && !en.trim().is_empty(), "{m:?}");
            assert_ne!(nl, en, "{m:?} has the same text in both languages");
            assert_eq!(m.text(Language::Nl), nl);
            assert_eq!(m.text(Language::En), en);
            // Plain Dutch speaks to the reader; it never calls their input wrong.
            let lower = nl.to_lowercase();
            for blaming in [
                "ongeldig",
                "fout",
                "verkeerd",
                "illegaal",
                "niet toegestaan",
            ] {
                assert!(!lower.contains(blaming), "{m:?}: {nl}");
            }
        }
        for w in [
            Weakness::PinDigits,
            Weakness::PinRepeated,
            Weakness::PinRun,
            Weakness::TooShort { min: 10 },
            Weakness::TooLong { max: 128 },
            Weakness::FewDistinct,
            Weakness::Common,
        ] {
            let [nl, en] = Msg::Weak(w).texts();
            assert!(!nl.is_empty() && !en.is_empty() && nl != en, "{w:?}");
        }
    }

    #[test]
    fn accept_language_is_ranked_by_quality() {
        let cases = [
            ("en", Some(Language::En)),
            ("en-GB,en;q=0.9", Some(Language::En)),
            ("nl-NL", Some(Language::Nl)),
            ("EN-us", Some(Language::En)),
            ("de, en;q=0.5, nl;q=0.8", Some(Language::Nl)),
            ("de, nl;q=0.5, en;q=0.8", Some(Language::En)),
            ("fr, en;q=0, nl;q=0.1", Some(Language::Nl)),
            ("en;q=0", None),
            ("en;q=0.5, nl;q=0.5", Some(Language::En)),
            ("fr-CH, de", None),
            ("*", Some(Language::Nl)),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(lang_of(value), want, "{value:?}");
        }
        let none = TestRequest::default().to_http_request();
        assert_eq!(from_accept_language(&none), None);
        assert_eq!(request_language(&none), Language::Nl);
    }

    #[test]
    fn the_stored_language_wins_over_accept_language() {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "en"))
            .to_http_request();
        assert_eq!(request_language(&req), Language::En);
        remember_user_language(&req, Language::Nl);
        assert_eq!(request_language(&req), Language::Nl);
    }
}

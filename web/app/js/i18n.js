// The one text catalogue of the resident app: Dutch (default, B1, "je") and English.
// Add a text here in both languages; screens only ever call t('key').

/** @typedef {'nl' | 'en'} Lang */

const nl = {
  'app.name': 'Stap voor Stap',
  'app.skip': 'Naar de inhoud',
  'nav.label': 'Menu',
  'nav.home': 'Mijn stap',
  'nav.progress': 'Voortgang',
  'nav.settings': 'Instellingen',
  'net.offline': 'Je hebt nu geen internet. Je ziet wat je telefoon nog weet.',
  'net.waiting': 'Nog niet verstuurd: {n} keer Klaar. Dit gaat vanzelf als je weer internet hebt.',
  'net.synced': 'Alles is verstuurd.',
  'common.back': 'Terug',
  'common.save': 'Opslaan',
  'common.cancel': 'Annuleren',
  'common.busy': 'Even geduld…',
  'common.minutes': 'Ongeveer {n} minuten',
  'common.minute': 'Ongeveer 1 minuut',
  'start.title': 'Welkom bij Stap voor Stap',
  'start.intro': 'Met deze app zie je steeds één kleine stap. Zo kom je stap voor stap verder met je geldzaken.',
  'start.activate': 'Ik heb een activatiecode',
  'start.login': 'Ik heb al een PIN',
  'activate.title': 'Account aanzetten',
  'activate.intro': 'Je activatiecode staat in de brief van je hulpverlener.',
  'activate.code': 'Activatiecode',
  'activate.code.hint': 'Bijvoorbeeld K7QM-4XPA',
  'activate.pin': 'Kies een PIN',
  'activate.pin.hint': '5 of 6 cijfers. Kies geen makkelijke reeks zoals 12345.',
  'activate.pin2': 'Typ je PIN nog een keer',
  'activate.submit': 'Account aanzetten',
  'activate.mismatch': 'De twee PINs zijn niet hetzelfde. Typ ze nog een keer.',
  'activate.pin.format': 'Een PIN heeft 5 of 6 cijfers.',
  'activate.code.missing': 'Vul de activatiecode in.',
  'welcome.login_name': 'Je inlognaam is {name}. Schrijf hem op: je hebt hem nodig als je later weer inlogt.',
  'login.title': 'Inloggen',
  'login.username': 'Inlognaam',
  'login.pin': 'PIN',
  'login.submit': 'Inloggen',
  'login.missing': 'Vul je inlognaam en je PIN in.',
  'login.wrong': 'De inlognaam of PIN klopt niet. Kijk nog eens goed en probeer het opnieuw.',
  'login.locked': 'Je kunt even niet inloggen, omdat de PIN een paar keer niet klopte. Probeer het over {minutes} minuten opnieuw. Lukt het niet? Vraag je hulpverlener om je account weer open te zetten.',
  'login.forgot': 'PIN vergeten? Vraag je hulpverlener om een nieuwe activatiecode.',
  'home.title': 'Mijn stap',
  'home.steps_title': 'Dit is je stap',
  'home.none': 'Je hebt nu geen stap. Goed bezig! Je hulpverlener zet de volgende stap voor je klaar.',
  'home.no_plan': 'Je hulpverlener maakt je plan nog. Daarna zie je hier je eerste stap.',
  'step.urgent': 'Eerst doen',
  'step.why': 'Waarom dit helpt',
  'step.how': 'Zo doe je het',
  'step.due': 'Doe dit voor {date}',
  'step.who': 'Wie helpt',
  'step.who.text': 'Je hulpverlener helpt je als het niet lukt. Kies dan "Help mij hiermee".',
  'step.help_asked': 'Je hebt om hulp gevraagd. Je hulpverlener neemt contact met je op.',
  'step.intention': 'Je doet dit op {when}. Je krijgt dan een herinnering.',
  'step.done': 'Klaar',
  'step.help': 'Help mij hiermee',
  'step.upload': 'Foto of document toevoegen',
  'upload.done': 'Je foto of document is verstuurd. Je hulpverlener kijkt ernaar.',
  'upload.refused': 'Dit bestand kunnen we niet gebruiken. {detail}',
  'upload.progress': 'Bezig met versturen: {percent}%. Je mag de app open laten staan; valt het internet weg, dan gaan we daarna verder.',
  'step.snooze': 'Niet nu',
  'step.when': 'Wanneer doe je dit?',
  'step.waiting': 'Je hebt op Klaar gedrukt. Dit is nog niet verstuurd, want je hebt geen internet. Het gaat vanzelf als je weer internet hebt.',
  'done.title': 'Stap klaar',
  'done.note': 'Wil je nog iets zeggen? (mag leeg blijven)',
  'done.earlier': 'Ik deed dit al eerder',
  'done.earlier.day': 'Op welke dag?',
  'done.submit': 'Ja, deze stap is klaar',
  'done.saved': 'Goed gedaan! Deze stap is klaar.',
  'done.next': 'Je volgende stap staat hieronder.',
  'help.done': 'Je hulpverlener weet nu dat je hulp wilt bij deze stap.',
  'snooze.title': 'Niet nu',
  'snooze.reason': 'Waarom niet nu?',
  'snooze.waiting_for_post': 'Ik wacht op post',
  'snooze.waiting_for_someone': 'Ik wacht op iemand anders',
  'snooze.no_time_this_week': 'Ik heb deze week geen tijd',
  'snooze.other': 'Iets anders',
  'snooze.note': 'Wat is er? (mag leeg blijven)',
  'snooze.until': 'Wanneer wil je de stap weer zien?',
  'snooze.tomorrow': 'Morgen',
  'snooze.week': 'Over een week',
  'snooze.two_weeks': 'Over twee weken',
  'snooze.submit': 'Later verder',
  'snooze.done': 'Prima. Je ziet deze stap weer op {date}.',
  'when.title': 'Wanneer doe je dit?',
  'when.day': 'Op welke dag?',
  'when.part': 'Hoe laat ongeveer?',
  'when.morning': "'s Ochtends",
  'when.afternoon': "'s Middags",
  'when.evening': "'s Avonds",
  'when.submit': 'Zo doe ik het',
  'when.done': 'Goed plan! Je krijgt op {when} een herinnering.',
  'when.past': 'Dat moment is al voorbij. Kies een later moment.',
  'mood.question': 'Hoe gaat het nu met je?',
  'mood.1': 'Heel slecht',
  'mood.2': 'Slecht',
  'mood.3': 'Gaat wel',
  'mood.4': 'Goed',
  'mood.5': 'Heel goed',
  'mood.skip': 'Sla over',
  'mood.thanks': 'Dank je wel!',
  'alliance.question': 'Hoe tevreden ben je over de hulp van je hulpverlener?',
  'alliance.1': 'Heel ontevreden',
  'alliance.2': 'Ontevreden',
  'alliance.3': 'Gaat wel',
  'alliance.4': 'Tevreden',
  'alliance.5': 'Heel tevreden',
  'crisis.button': 'Ik heb nu een probleem',
  'crisis.title': 'Wat is er aan de hand?',
  'crisis.intro': 'Kies wat bij je past. Je hulpverlener krijgt meteen een bericht.',
  'crisis.eviction': 'Ik moet mijn huis uit, of ik heb huurachterstand',
  'crisis.disconnection': 'Mijn gas, stroom of water wordt afgesloten',
  'crisis.health_insurance': 'Ik heb geen zorgverzekering meer',
  'crisis.garnishment': 'Er is beslag op mijn loon of uitkering',
  'crisis.danger': 'Is er direct gevaar? Bel 112.',
  'crisis.done': 'Je hulpverlener weet het nu. Je eerste stap staat klaar.',
  'progress.title': 'Voortgang',
  'progress.days': 'Je bent {n} dagen onderweg.',
  'progress.day': 'Je bent 1 dag onderweg.',
  'progress.today': 'Je bent vandaag begonnen. Goed dat je er bent!',
  'progress.summary': '{done} van de {total} stappen zijn klaar.',
  'progress.bar': 'Voortgang',
  'progress.categories': 'Per onderwerp',
  'progress.category': '{done} van {total} klaar',
  'progress.milestones': 'Mijlpalen',
  'progress.milestone.first_step': 'Je eerste stap is klaar',
  'progress.milestone.half_way': 'Je bent op de helft',
  'progress.milestone.all_done': 'Alle stappen zijn klaar',
  'progress.milestone.category_done': 'Klaar: {name}',
  'progress.no_milestones': 'Je eerste mijlpaal komt na je eerste stap.',
  'progress.criteria': 'Wat al geregeld is',
  'progress.met': 'Geregeld',
  'progress.not_met': 'Nog bezig',
  'progress.ready': 'Alles is geregeld. Je bent klaar voor de schuldregeling!',
  'progress.done_steps': 'Wat je al gedaan hebt',
  'progress.no_done': 'Hier komen de stappen die je klaar hebt.',
  'progress.for_you': 'Wordt voor je gedaan',
  'progress.for_you.by': '{name} doet dit voor je',
  'progress.for_you.someone': 'Iemand van het team doet dit voor je',
  'progress.for_you.done': 'Gedaan door {name}',
  'progress.for_you.done_someone': 'Gedaan door het team',
  'progress.no_for_you': 'Er wordt nu niets voor je gedaan.',
  'progress.offline': 'Dit is wat je telefoon nog weet. Het kan zijn dat er iets veranderd is.',
  'settings.title': 'Instellingen',
  'settings.language': 'Taal',
  'settings.reminders': 'Herinneringen',
  'settings.reminders.enabled': 'Stuur mij herinneringen',
  'settings.quiet': 'Geen berichten tussen',
  'settings.quiet.from': 'Van',
  'settings.quiet.to': 'Tot',
  'settings.daily': 'Hoe vaak per dag, hoogstens?',
  'settings.weekly': 'Hoe vaak per week, hoogstens?',
  'settings.saved': 'Opgeslagen.',
  'settings.devices': 'Apparaten',
  'settings.devices.none': 'Er zijn geen telefoons aangemeld voor berichten.',
  'settings.devices.remove': 'Afmelden',
  'settings.devices.removed': 'Afgemeld.',
  'settings.devices.this': 'Deze telefoon',
  'settings.devices.platform.android': 'Android-telefoon',
  'settings.devices.platform.ios': 'iPhone',
  'settings.devices.platform.web': 'Browser',
  'settings.devices.platform.web_push': 'Browser',
  'settings.devices.push': 'Berichten op deze telefoon',
  'settings.devices.push.text': 'Wil je hier een bericht krijgen als er een nieuwe stap voor je is? Er staat nooit iets over je geld in.',
  'settings.devices.added': 'Gelukt. Je krijgt berichten op deze telefoon.',
  'settings.devices.denied': 'Je telefoon staat berichten van deze app niet toe. Dat kun je later veranderen in de instellingen van je browser.',
  'settings.devices.failed': 'Dat lukte nu niet. Probeer het later nog eens.',
  'settings.export': 'Mijn gegevens',
  'settings.export.text': 'Je kunt alles wat wij van je bewaren downloaden.',
  'settings.export.button': 'Download mijn gegevens',
  'settings.export.ready': 'Je gegevens staan in het bestand {file}.',
  'settings.logout': 'Uitloggen',
  'settings.logout.text': 'Op deze telefoon uitloggen. Je stappen blijven bewaard.',
  'settings.account': 'Je inlognaam is {name}.',
  'error.network': 'Het lukt nu niet om verbinding te maken. Probeer het straks nog een keer.',
  'error.busy': 'Het is nu erg druk. Probeer het over een paar minuten nog een keer.',
  'error.session': 'Je bent uitgelogd. Log opnieuw in om verder te gaan.',
  'error.code': 'Deze activatiecode werkt niet (meer). Vraag je hulpverlener om een nieuwe code.',
  'error.not_open': 'Deze stap is al klaar of staat niet meer open.',
  'error.validation': 'Er klopt iets niet in wat je invulde: {detail}',
  'error.generic': 'Er ging iets mis. Het ligt niet aan jou. Probeer het straks nog een keer.',
  'error.offline_action': 'Dit kan alleen als je internet hebt.',
  'category.start': 'Begin en afspraken',
  'category.spoed': 'Spoed: wonen, energie, zorgverzekering',
  'category.papieren': 'Papieren verzamelen',
  'category.inkomen': 'Inkomen op orde',
  'category.toeslagen': 'Toeslagen en regelingen',
  'category.lasten': 'Vaste lasten en uitgaven',
  'category.schulden': 'Schulden in kaart',
  'category.beslag': 'Beslag en incasso',
  'category.afronden': 'Klaar voor de schuldregeling',
  'category.extra': 'Extra stappen',
};

/** @type {Record<keyof typeof nl, string>} */
const en = {
  'app.name': 'Step by Step',
  'app.skip': 'Skip to content',
  'nav.label': 'Menu',
  'nav.home': 'My step',
  'nav.progress': 'Progress',
  'nav.settings': 'Settings',
  'net.offline': 'You are offline. You see what your phone still knows.',
  'net.waiting': 'Not sent yet: {n} times Done. This happens by itself when you are back online.',
  'net.synced': 'Everything has been sent.',
  'common.back': 'Back',
  'common.save': 'Save',
  'common.cancel': 'Cancel',
  'common.busy': 'One moment…',
  'common.minutes': 'About {n} minutes',
  'common.minute': 'About 1 minute',
  'start.title': 'Welcome to Step by Step',
  'start.intro': 'This app shows you one small step at a time. Step by step, you sort out your money matters.',
  'start.activate': 'I have an activation code',
  'start.login': 'I already have a PIN',
  'activate.title': 'Switch on your account',
  'activate.intro': 'Your activation code is in the letter from your caseworker.',
  'activate.code': 'Activation code',
  'activate.code.hint': 'For example K7QM-4XPA',
  'activate.pin': 'Choose a PIN',
  'activate.pin.hint': '5 or 6 digits. Do not choose an easy row like 12345.',
  'activate.pin2': 'Type your PIN again',
  'activate.submit': 'Switch on account',
  'activate.mismatch': 'The two PINs are not the same. Please type them again.',
  'activate.pin.format': 'A PIN has 5 or 6 digits.',
  'activate.code.missing': 'Fill in the activation code.',
  'welcome.login_name': 'Your login name is {name}. Write it down: you need it to sign in later.',
  'login.title': 'Sign in',
  'login.username': 'Login name',
  'login.pin': 'PIN',
  'login.submit': 'Sign in',
  'login.missing': 'Fill in your login name and your PIN.',
  'login.wrong': 'The login name or PIN is not right. Please check and try again.',
  'login.locked': 'You cannot sign in for a moment, because the PIN was not right a few times. Try again in {minutes} minutes. Still stuck? Ask your caseworker to open your account again.',
  'login.forgot': 'Forgot your PIN? Ask your caseworker for a new activation code.',
  'home.title': 'My step',
  'home.steps_title': 'This is your step',
  'home.none': 'You have no step right now. Well done! Your caseworker is preparing your next step.',
  'home.no_plan': 'Your caseworker is still making your plan. Then you will see your first step here.',
  'step.urgent': 'Do this first',
  'step.why': 'Why this helps',
  'step.how': 'How to do it',
  'step.due': 'Do this before {date}',
  'step.who': 'Who helps',
  'step.who.text': 'Your caseworker helps you if it does not work out. Then choose "Help me with this".',
  'step.help_asked': 'You asked for help. Your caseworker will contact you.',
  'step.intention': 'You will do this on {when}. You will get a reminder then.',
  'step.done': 'Done',
  'step.help': 'Help me with this',
  'step.upload': 'Add a photo or document',
  'upload.done': 'Your photo or document has been sent. Your caseworker will look at it.',
  'upload.refused': 'We cannot use this file. {detail}',
  'upload.progress': 'Sending: {percent}%. Keep the app open; if the internet drops out, we carry on afterwards.',
  'step.snooze': 'Not now',
  'step.when': 'When will you do this?',
  'step.waiting': 'You pressed Done. This has not been sent yet, because you are offline. It will be sent by itself when you are back online.',
  'done.title': 'Step done',
  'done.note': 'Anything you want to add? (may stay empty)',
  'done.earlier': 'I did this earlier',
  'done.earlier.day': 'On which day?',
  'done.submit': 'Yes, this step is done',
  'done.saved': 'Well done! This step is done.',
  'done.next': 'Your next step is below.',
  'help.done': 'Your caseworker now knows you want help with this step.',
  'snooze.title': 'Not now',
  'snooze.reason': 'Why not now?',
  'snooze.waiting_for_post': 'I am waiting for a letter',
  'snooze.waiting_for_someone': 'I am waiting for someone else',
  'snooze.no_time_this_week': 'I have no time this week',
  'snooze.other': 'Something else',
  'snooze.note': 'What is it? (may stay empty)',
  'snooze.until': 'When do you want to see the step again?',
  'snooze.tomorrow': 'Tomorrow',
  'snooze.week': 'In a week',
  'snooze.two_weeks': 'In two weeks',
  'snooze.submit': 'Continue later',
  'snooze.done': 'Fine. You will see this step again on {date}.',
  'when.title': 'When will you do this?',
  'when.day': 'On which day?',
  'when.part': 'At about what time?',
  'when.morning': 'In the morning',
  'when.afternoon': 'In the afternoon',
  'when.evening': 'In the evening',
  'when.submit': 'That is my plan',
  'when.done': 'Good plan! You will get a reminder on {when}.',
  'when.past': 'That moment has passed. Please choose a later one.',
  'mood.question': 'How are you doing right now?',
  'mood.1': 'Very bad',
  'mood.2': 'Bad',
  'mood.3': 'Okay',
  'mood.4': 'Good',
  'mood.5': 'Very good',
  'mood.skip': 'Skip',
  'mood.thanks': 'Thank you!',
  'alliance.question': 'How satisfied are you with the help from your caseworker?',
  'alliance.1': 'Very unsatisfied',
  'alliance.2': 'Unsatisfied',
  'alliance.3': 'Okay',
  'alliance.4': 'Satisfied',
  'alliance.5': 'Very satisfied',
  'crisis.button': 'I have a problem right now',
  'crisis.title': 'What is going on?',
  'crisis.intro': 'Choose what fits. Your caseworker gets a message at once.',
  'crisis.eviction': 'I have to leave my home, or I am behind on rent',
  'crisis.disconnection': 'My gas, electricity or water will be cut off',
  'crisis.health_insurance': 'I have no health insurance any more',
  'crisis.garnishment': 'There is a garnishment on my wages or benefit',
  'crisis.danger': 'In immediate danger? Call 112.',
  'crisis.done': 'Your caseworker knows now. Your first step is ready.',
  'progress.title': 'Progress',
  'progress.days': 'You have been on your way for {n} days.',
  'progress.day': 'You have been on your way for 1 day.',
  'progress.today': 'You started today. Good to have you here!',
  'progress.summary': '{done} of {total} steps are done.',
  'progress.bar': 'Progress',
  'progress.categories': 'Per topic',
  'progress.category': '{done} of {total} done',
  'progress.milestones': 'Milestones',
  'progress.milestone.first_step': 'Your first step is done',
  'progress.milestone.half_way': 'You are half way',
  'progress.milestone.all_done': 'All steps are done',
  'progress.milestone.category_done': 'Done: {name}',
  'progress.no_milestones': 'Your first milestone comes after your first step.',
  'progress.criteria': 'What is sorted out',
  'progress.met': 'Sorted',
  'progress.not_met': 'In progress',
  'progress.ready': 'Everything is sorted. You are ready for the debt arrangement!',
  'progress.done_steps': 'What you have done',
  'progress.no_done': 'The steps you finish will show here.',
  'progress.for_you': 'Being done for you',
  'progress.for_you.by': '{name} does this for you',
  'progress.for_you.someone': 'Someone from the team does this for you',
  'progress.for_you.done': 'Done by {name}',
  'progress.for_you.done_someone': 'Done by the team',
  'progress.no_for_you': 'Nothing is being done for you right now.',
  'progress.offline': 'This is what your phone still knows. Something may have changed.',
  'settings.title': 'Settings',
  'settings.language': 'Language',
  'settings.reminders': 'Reminders',
  'settings.reminders.enabled': 'Send me reminders',
  'settings.quiet': 'No messages between',
  'settings.quiet.from': 'From',
  'settings.quiet.to': 'Until',
  'settings.daily': 'At most how often a day?',
  'settings.weekly': 'At most how often a week?',
  'settings.saved': 'Saved.',
  'settings.devices': 'Devices',
  'settings.devices.none': 'No phones are signed up for messages.',
  'settings.devices.remove': 'Remove',
  'settings.devices.removed': 'Removed.',
  'settings.devices.this': 'This phone',
  'settings.devices.platform.android': 'Android phone',
  'settings.devices.platform.ios': 'iPhone',
  'settings.devices.platform.web': 'Browser',
  'settings.devices.platform.web_push': 'Browser',
  'settings.devices.push': 'Messages on this phone',
  'settings.devices.push.text': 'Would you like a message here when there is a new step for you? It never says anything about your money.',
  'settings.devices.added': 'Done. You will get messages on this phone.',
  'settings.devices.denied': 'Your phone does not allow messages from this app. You can change that later in your browser settings.',
  'settings.devices.failed': 'That did not work just now. Please try again later.',
  'settings.export': 'My data',
  'settings.export.text': 'You can download everything we keep about you.',
  'settings.export.button': 'Download my data',
  'settings.export.ready': 'Your data is in the file {file}.',
  'settings.logout': 'Sign out',
  'settings.logout.text': 'Sign out on this phone. Your steps are kept.',
  'settings.account': 'Your login name is {name}.',
  'error.network': 'We cannot connect right now. Please try again in a moment.',
  'error.busy': 'It is very busy right now. Please try again in a few minutes.',
  'error.session': 'You have been signed out. Sign in again to continue.',
  'error.code': 'This activation code does not work (any more). Ask your caseworker for a new code.',
  'error.not_open': 'This step is already done or no longer open.',
  'error.validation': 'Something in what you filled in is not right: {detail}',
  'error.generic': 'Something went wrong. It is not your fault. Please try again later.',
  'error.offline_action': 'This only works when you are online.',
  'category.start': 'Getting started',
  'category.spoed': 'Urgent: home, energy, health insurance',
  'category.papieren': 'Gather documents',
  'category.inkomen': 'Income',
  'category.toeslagen': 'Allowances and schemes',
  'category.lasten': 'Fixed costs and spending',
  'category.schulden': 'Map your debts',
  'category.beslag': 'Garnishment and collection',
  'category.afronden': 'Ready for the debt arrangement',
  'category.extra': 'Extra steps',
};

/** @typedef {keyof typeof nl} TextKey */

const catalogues = { nl, en };
const STORE = 'svs.lang';

/** @type {Lang} */
let current = readLang();

/** @returns {Lang} */
function readLang() {
  try {
    const v = localStorage.getItem(STORE);
    if (v === 'nl' || v === 'en') return v;
  } catch {
    // Storage may be off; Dutch it is.
  }
  return 'nl';
}

/**
 * The language chosen on this device, if one was ever chosen (else the account's counts).
 * @returns {Lang | null}
 */
export function chosenLang() {
  try {
    const v = localStorage.getItem(STORE);
    return v === 'nl' || v === 'en' ? v : null;
  } catch {
    return null;
  }
}

/** @returns {Lang} */
export function lang() {
  return current;
}

/** @param {Lang} l */
export function setLang(l) {
  current = l;
  try {
    localStorage.setItem(STORE, l);
  } catch {
    // Not kept; the choice still holds for this visit.
  }
  document.documentElement.lang = l;
  document.title = t('app.name');
}

/**
 * A text in the current language, with `{name}` placeholders filled in.
 * @param {TextKey} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params) {
  let s = catalogues[current][key] ?? nl[key] ?? key;
  if (params) {
    for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  }
  return s;
}

/**
 * A category's name: from the catalogue for the default template's categories, else its key.
 * @param {string} key
 */
export function categoryName(key) {
  const k = /** @type {TextKey} */ (`category.${key}`);
  return k in nl ? t(k) : key;
}

/**
 * A local date (YYYY-MM-DD) in words, e.g. "dinsdag 3 december".
 * @param {string} day
 */
export function formatDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(y, m - 1, d);
  return date.toLocaleDateString(current === 'nl' ? 'nl-NL' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long' });
}

/**
 * Today (or `days` from today) as a local YYYY-MM-DD date.
 * @param {number} [days]
 */
export function isoDay(days = 0) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

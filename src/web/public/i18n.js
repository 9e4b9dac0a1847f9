// Polish and English. The server already marks <html lang> from Accept-Language; a choice made with
// the switch is remembered on this device.

const TEXT = {
  en: {
    title: 'Meters',
    'nav.dashboard': 'Dashboard',
    'nav.charts': 'Charts',
    'nav.meters': 'Meters',
    'nav.radio': 'Radio',
    'live.on': 'live',
    'live.off': 'reconnecting…',
    demo: 'demo: simulated meters',
    'dash.none':
      'No meter claimed yet. Open Meters, find yours in the list of meters heard nearby and claim it with the key from your operator.',
    'dash.waiting': 'Waiting for the first telegram…',
    powerNow: 'Power now',
    import: 'Import',
    export: 'Export',
    today: 'Today',
    month: 'This month',
    reading: 'Meter reading',
    voltage: 'Voltage',
    current: 'Current',
    lastTelegram: 'Last telegram',
    signal: 'Signal',
    volume: 'Volume',
    energy: 'Energy',
    power: 'Power',
    tariff: 'Tariff',
    'status.waiting': 'waiting',
    'status.ok': 'ok',
    'status.wrong_key': 'wrong key',
    'status.no_key': 'no key',
    'status.replay': 'replay rejected',
    'status.error': 'error',
    'charts.meter': 'Meter',
    'charts.hourly': 'Hourly',
    'charts.daily': 'Daily',
    'charts.samples': 'Power and voltage (averages)',
    'charts.range': 'Range',
    'charts.h24': 'last 24 hours',
    'charts.h48': 'last 48 hours',
    'charts.d7': 'last 7 days',
    'charts.d31': 'last 31 days',
    'charts.d90': 'last 90 days',
    'charts.d365': 'last 12 months',
    'charts.custom': 'from – to',
    'charts.from': 'From',
    'charts.to': 'To',
    'charts.show': 'Show',
    'charts.csv': 'CSV',
    'charts.empty': 'No history in this range yet: it grows with every telegram.',
    'charts.total': 'Total',
    'meters.yours': 'Your meters',
    'meters.none': 'None claimed yet.',
    'meters.nearby': 'Heard nearby',
    'meters.nearbyNone': 'No other meter heard yet. Meters send every few seconds to a few minutes.',
    'meters.nearbyHelp': 'Your meter’s number is printed on it (8 digits). Claim it with the key your operator gave you.',
    'meters.byId': 'Claim a meter by its number',
    'meters.id': 'Meter number',
    'meters.name': 'Name',
    'meters.key': 'Key',
    'meters.keyHint': '32 hexadecimal digits (AES-128) from your operator; leave empty for an unencrypted meter',
    'meters.keyWriteOnly': 'Keys are stored on the gateway and never shown again.',
    'meters.encrypted': 'encrypted',
    'meters.plain': 'not encrypted',
    'meters.lastSeen': 'last heard',
    'meters.telegrams': 'telegrams',
    'meters.claim': 'Claim',
    'meters.rename': 'Rename',
    'meters.setKey': 'Key',
    'meters.remove': 'Remove',
    'meters.save': 'Save',
    'meters.cancel': 'Cancel',
    'meters.confirmRemove': 'Remove meter {id} and its key? Its history stays for a later claim.',
    'meters.claimed': 'Meter {id} claimed.',
    'meters.claimedWaiting': 'Meter {id} claimed: its readings appear with its next telegram.',
    'meters.wrongKey':
      'This key does not decrypt the telegrams of meter {id}. Check the key from your operator (32 hexadecimal digits) and enter it again.',
    'meters.keySaved': 'Key saved: it is tried on the next telegram.',
    'meters.noKeyMsg': 'Meter {id} sends encrypted telegrams and has no key: add the key from your operator (Meters, Key).',
    'meters.hasKey': 'key set',
    'meters.noKey': 'no key',
    'token.title': 'Admin token',
    'token.help':
      'Changes need the admin token. It was shown in the gateway’s log at first start and is kept in its data folder (admin-token).',
    'token.wrong': 'This token is not right.',
    'token.forget': 'Forget',
    'token.set': 'token remembered on this device',
    'radio.fpm': 'Frames per minute',
    'radio.frames': 'Frames',
    'radio.readings': 'Readings',
    'radio.crc': 'CRC errors',
    'radio.frameErrors': 'Rejected frames',
    'radio.overflows': 'FIFO overflows',
    'radio.restarts': 'Radio restarts',
    'radio.salvaged': 'Frames saved from a full FIFO',
    'radio.pllUnlocks': 'PLL lock lost',
    'radio.maxGap': 'Longest FIFO service gap (ms)',
    'radio.maxDeaf': 'Longest deafness after a telegram (ms)',
    'radio.maxGc': 'Longest GC pause (ms)',
    'radio.realtime': 'Real-time scheduling',
    'radio.yes': 'yes',
    'radio.no': 'no',
    'radio.duplicates': 'Repeated copies',
    'radio.replays': 'Replays rejected',
    'radio.decodeErrors': 'Not decoded',
    'radio.state': 'Radio',
    'radio.none': 'no radio process (stored data only)',
    'radio.rssi': 'Signal of each meter',
    'radio.log': 'Last telegrams',
    'radio.logEmpty': 'Nothing received yet.',
    'outcome.accepted': 'reading',
    'outcome.nearby': 'nearby',
    'outcome.duplicate': 'copy',
    'outcome.replay': 'replay',
    'outcome.frame_error': 'bad frame',
    'outcome.decode_error': 'not decoded',
    'error.network': 'The gateway does not answer: {message}',
    'medium.electricity': 'electricity',
    'medium.water': 'water',
    'medium.cold water': 'cold water',
    'medium.warm water': 'warm water',
    'medium.hot water': 'hot water',
    'medium.gas': 'gas',
    'medium.heat': 'heat',
  },
  pl: {
    title: 'Liczniki',
    'nav.dashboard': 'Pulpit',
    'nav.charts': 'Wykresy',
    'nav.meters': 'Liczniki',
    'nav.radio': 'Radio',
    'live.on': 'na żywo',
    'live.off': 'łączę ponownie…',
    demo: 'demo: liczniki symulowane',
    'dash.none':
      'Nie dodano jeszcze licznika. Otwórz Liczniki, znajdź swój na liście słyszanych w pobliżu i dodaj go z kluczem od operatora.',
    'dash.waiting': 'Czekam na pierwszy telegram…',
    powerNow: 'Moc teraz',
    import: 'Pobór',
    export: 'Oddawanie',
    today: 'Dziś',
    month: 'Ten miesiąc',
    reading: 'Stan licznika',
    voltage: 'Napięcie',
    current: 'Prąd',
    lastTelegram: 'Ostatni telegram',
    signal: 'Sygnał',
    volume: 'Objętość',
    energy: 'Energia',
    power: 'Moc',
    tariff: 'Strefa',
    'status.waiting': 'czeka',
    'status.ok': 'działa',
    'status.wrong_key': 'zły klucz',
    'status.no_key': 'brak klucza',
    'status.replay': 'odrzucona powtórka',
    'status.error': 'błąd',
    'charts.meter': 'Licznik',
    'charts.hourly': 'Godzinowo',
    'charts.daily': 'Dziennie',
    'charts.samples': 'Moc i napięcie (średnie)',
    'charts.range': 'Zakres',
    'charts.h24': 'ostatnie 24 godziny',
    'charts.h48': 'ostatnie 48 godzin',
    'charts.d7': 'ostatnie 7 dni',
    'charts.d31': 'ostatnie 31 dni',
    'charts.d90': 'ostatnie 90 dni',
    'charts.d365': 'ostatnie 12 miesięcy',
    'charts.custom': 'od – do',
    'charts.from': 'Od',
    'charts.to': 'Do',
    'charts.show': 'Pokaż',
    'charts.csv': 'CSV',
    'charts.empty': 'Brak historii w tym zakresie: przybywa jej z każdym telegramem.',
    'charts.total': 'Razem',
    'meters.yours': 'Twoje liczniki',
    'meters.none': 'Nie dodano jeszcze żadnego.',
    'meters.nearby': 'Słyszane w pobliżu',
    'meters.nearbyNone': 'Nie słychać jeszcze innych liczników. Liczniki nadają co kilka sekund do kilku minut.',
    'meters.nearbyHelp': 'Numer licznika jest na nim nadrukowany (8 cyfr). Dodaj go z kluczem otrzymanym od operatora.',
    'meters.byId': 'Dodaj licznik po numerze',
    'meters.id': 'Numer licznika',
    'meters.name': 'Nazwa',
    'meters.key': 'Klucz',
    'meters.keyHint': '32 cyfry szesnastkowe (AES-128) od operatora; puste dla licznika bez szyfrowania',
    'meters.keyWriteOnly': 'Klucze są zapisane w bramce i nigdy nie są pokazywane.',
    'meters.encrypted': 'szyfrowany',
    'meters.plain': 'bez szyfrowania',
    'meters.lastSeen': 'ostatnio',
    'meters.telegrams': 'telegramów',
    'meters.claim': 'Dodaj',
    'meters.rename': 'Zmień nazwę',
    'meters.setKey': 'Klucz',
    'meters.remove': 'Usuń',
    'meters.save': 'Zapisz',
    'meters.cancel': 'Anuluj',
    'meters.confirmRemove': 'Usunąć licznik {id} i jego klucz? Historia zostaje na wypadek ponownego dodania.',
    'meters.claimed': 'Dodano licznik {id}.',
    'meters.claimedWaiting': 'Dodano licznik {id}: odczyty pojawią się z jego następnym telegramem.',
    'meters.wrongKey':
      'Ten klucz nie odszyfrowuje telegramów licznika {id}. Sprawdź klucz od operatora (32 cyfry szesnastkowe) i wpisz go ponownie.',
    'meters.keySaved': 'Zapisano klucz: zostanie użyty dla następnego telegramu.',
    'meters.noKeyMsg': 'Licznik {id} wysyła zaszyfrowane telegramy, a nie ma klucza: dodaj klucz od operatora (Liczniki, Klucz).',
    'meters.hasKey': 'klucz ustawiony',
    'meters.noKey': 'bez klucza',
    'token.title': 'Token administratora',
    'token.help':
      'Zmiany wymagają tokenu administratora. Bramka pokazała go w logu przy pierwszym uruchomieniu; jest też w jej katalogu danych (admin-token).',
    'token.wrong': 'Ten token jest nieprawidłowy.',
    'token.forget': 'Zapomnij',
    'token.set': 'token zapamiętany na tym urządzeniu',
    'radio.fpm': 'Ramki na minutę',
    'radio.frames': 'Ramki',
    'radio.readings': 'Odczyty',
    'radio.crc': 'Błędy CRC',
    'radio.frameErrors': 'Odrzucone ramki',
    'radio.overflows': 'Przepełnienia FIFO',
    'radio.restarts': 'Restarty radia',
    'radio.salvaged': 'Ramki uratowane z pełnego FIFO',
    'radio.pllUnlocks': 'Utrata synchronizacji PLL',
    'radio.maxGap': 'Najdłuższa przerwa w obsłudze FIFO (ms)',
    'radio.maxDeaf': 'Najdłuższa głuchota po telegramie (ms)',
    'radio.maxGc': 'Najdłuższa pauza GC (ms)',
    'radio.realtime': 'Szeregowanie czasu rzeczywistego',
    'radio.yes': 'tak',
    'radio.no': 'nie',
    'radio.duplicates': 'Powtórzone kopie',
    'radio.replays': 'Odrzucone powtórki',
    'radio.decodeErrors': 'Nieodczytane',
    'radio.state': 'Radio',
    'radio.none': 'brak procesu radia (tylko zapisane dane)',
    'radio.rssi': 'Sygnał każdego licznika',
    'radio.log': 'Ostatnie telegramy',
    'radio.logEmpty': 'Nic jeszcze nie odebrano.',
    'outcome.accepted': 'odczyt',
    'outcome.nearby': 'w pobliżu',
    'outcome.duplicate': 'kopia',
    'outcome.replay': 'powtórka',
    'outcome.frame_error': 'zła ramka',
    'outcome.decode_error': 'nieodczytany',
    'error.network': 'Bramka nie odpowiada: {message}',
    'medium.electricity': 'prąd',
    'medium.water': 'woda',
    'medium.cold water': 'zimna woda',
    'medium.warm water': 'ciepła woda',
    'medium.hot water': 'gorąca woda',
    'medium.gas': 'gaz',
    'medium.heat': 'ciepło',
  },
};

const STORE_KEY = 'wmbus-lang';

let lang = pickLanguage();
let timeZone;

function pickLanguage() {
  const saved = localStorage.getItem(STORE_KEY);
  if (saved && TEXT[saved]) return saved;
  const fromServer = document.documentElement.lang;
  if (fromServer === 'pl') return 'pl';
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (TEXT[base]) return base;
  }
  return 'en';
}

export function language() {
  return lang;
}

export function setLanguage(l) {
  lang = TEXT[l] ? l : 'en';
  localStorage.setItem(STORE_KEY, lang);
  document.documentElement.lang = lang;
}

export function setTimeZone(tz) {
  timeZone = tz;
}

export function t(key, vars) {
  const s = TEXT[lang][key] ?? TEXT.en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : s;
}

const locale = () => (lang === 'pl' ? 'pl-PL' : 'en-GB');

export function num(v, digits = 0) {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}

export function time(ms, withDate = false) {
  const opts = withDate
    ? { timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }
    : { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' };
  return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
}

export function dateLabel(ms, opts) {
  return new Intl.DateTimeFormat(locale(), { timeZone, ...opts }).format(new Date(ms));
}

/** "12 s ago" / "12 s temu" */
export function ago(ms, now = Date.now()) {
  const s = Math.round((ms - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', style: 'short' });
  if (Math.abs(s) < 60) return rtf.format(Math.min(s, 0), 'second');
  if (Math.abs(s) < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (Math.abs(s) < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function medium(name) {
  // A medium without a translation keeps the decoder's English name.
  return name ? t(`medium.${name}`).replace(/^medium\./, '') : '';
}

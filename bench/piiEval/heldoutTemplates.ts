/**
 * Carriers of the HELD-OUT test set of the evaluation (issue 20), written after the detectors by
 * someone who had not read the detectors nor their misses on the development set, and not tuned on
 * any masker's score. Same tokens as templates.ts (`{KIND}`, `{N:kind}`, `{DOBCUE}`), other
 * situations and other phrasing: HR records, appointment reminders, deliveries, bookings, chat
 * exports, calendar invites, commit messages and reviews, insurance claims, school letters, CRM
 * logs, invoices, YAML/TOML, Markdown tables, XML, vCards. Do not tune the detectors on this file.
 */
import type { EvalLocale } from './corpus.ts';
import type { Template } from './templates.ts';

/** Birth cues of the held-out set, per locale: other wordings than the development set's where there are some. */
export const heldoutDobCues: Record<EvalLocale, readonly string[]> = {
  de: ['Geburtsdatum', 'geb. am', 'Geburtstag:', 'geboren'],
  fr: ['né(e) le', 'date de naissance', 'Né le', 'naissance :'],
  es: ['nacido/a el', 'Fecha de nacimiento', 'F. de nac.:', 'nació el'],
  it: ['nato/a il', 'Data di nascita:', 'data nascita:', 'nascita:'],
  pt_BR: ['nascido(a) em', 'Data de nasc.:', 'data de nascimento', 'nasc.:'],
  ja: ['生年月日 ', '生年月日', '（生年月日）', '誕生日：'],
  en_IN: ['D.O.B', 'Date of Birth:', 'born on', 'DOB -'],
  en_US: ['DOB', 'Date of birth:', 'born', 'Birthday:'],
  en_GB: ['Date of Birth:', 'D.O.B:', 'born', 'birth date'],
  nl: ['geboren', 'Geboortedatum:', 'geb.', 'geboortedatum'],
  pl: ['ur.', 'urodzony/a', 'Data ur.:', 'data urodzenia'],
};

const english: Template[] = [
  // HR and people
  { id: 'ho.prose.onboarding', format: 'prose', text: 'Onboarding checklist for {NAME} (first day {N:date}):\n- laptop goes by courier to {ADDRESS}\n- payroll account {IBAN} checked by finance\n- buddy: {NAME}' },
  { id: 'ho.prose.onboarding', format: 'prose', text: 'Our new Head of Procurement, {NAME}, joins the Monday call. The agenda item "{N:heading}" moves to next week.' },
  { id: 'ho.prose.hr', format: 'prose', text: "Forwarding {NAME}'s new mobile number: {PHONE}. The old one was disconnected when the contract ended." },
  { id: 'ho.prose.hr', format: 'prose', text: 'Please send the signed NDA back to {NAME} before {N:date}; legal countersigns the same day.' },
  // Health
  { id: 'ho.prose.appointment', format: 'prose', text: 'Reminder: your physiotherapy session is on {N:date}. Patient: {NAME}, {DOBCUE} {DOB}. To move it, text {PHONE} at least a day ahead.' },
  { id: 'ho.prose.appointment', format: 'prose', text: 'Lab results for {NAME} ({DOBCUE} {DOB}) are now in the portal. The referring GP, {NAME}, has been told.' },
  // Deliveries, bookings, travel
  { id: 'ho.prose.delivery', format: 'prose', text: 'Your parcel {N:sku} is out for delivery between 10:00 and 14:00. Recipient: {NAME}. Drop-off: {ADDRESS}. Questions? Call {PHONE}.' },
  { id: 'ho.prose.booking', format: 'prose', text: 'Booking confirmed! {NAME} checks in on {N:date} for {N:duration}. A pre-authorisation was placed on the card {CARD}; the receipt went to {EMAIL}.' },
  { id: 'ho.prose.booking', format: 'prose', text: 'Flight change for passenger {NAME}: the new boarding pass was sent to {EMAIL}, seat 14C. Emergency contact on file: {NAME}, {PHONE}.' },
  // Chat exports and calendar
  { id: 'ho.prose.chatexport', format: 'prose', text: '2026-03-14 09:02 {NAME}: did anyone rotate the firewall rule for {IP}?\n2026-03-14 09:05 {NAME}: yes, tracked in {N:ticketKey}\n2026-03-14 09:06 {NAME}: great, closing the thread' },
  { id: 'ho.prose.chatexport', format: 'prose', text: '[Tue 16:41] {NAME}: new number is {PHONE}, my work phone died\n[Tue 16:43] {NAME}: saved, thanks' },
  { id: 'ho.prose.calendar', format: 'prose', text: 'Invitation: {N:heading}\nWhen: {N:date}, 15:00–15:45\nOrganizer: {NAME} <{EMAIL}>\nGuests: {NAME}, {NAME}\nWhere: {N:place} office, 3rd floor' },
  // Code
  { id: 'ho.prose.commit', format: 'prose', text: 'fix(billing): stop logging the full card number\n\nReported by {NAME} after {CARD} showed up in the debug output of {N:semver}.\nCloses {N:ticketKey}.\n\nCo-authored-by: {NAME} <{EMAIL}>' },
  { id: 'ho.prose.review', format: 'prose', text: 'Review on sepa_test.ts line 88: the fixture still holds a real-looking IBAN ({IBAN}). Could you swap it for a dummy? I think {NAME} copied it from the staging export.' },
  { id: 'ho.prose.review', format: 'prose', text: 'LGTM apart from the hard-coded allowlist: {IP} and {IP} belong to the contractor {NAME} and should come from config.' },
  // Insurance, school, CRM, support, invoices
  { id: 'ho.prose.claim', format: 'prose', text: 'Claim {N:order}: policyholder {NAME}, {DOBCUE} {DOB}. Water damage at {ADDRESS} reported on {N:date}. Payout to {IBAN} once the assessor signs off.' },
  { id: 'ho.prose.school', format: 'prose', text: "Dear parents,\n\n{NAME}'s class leaves for {N:place} on {N:date}. If your child has allergies, please call the school nurse on {PHONE}.\n\nHead Teacher\n{NAME}" },
  { id: 'ho.prose.crm', format: 'prose', text: 'Activity log for {N:company}\n• call with {NAME}, decision maker, {PHONE}\n• pricing sheet ({N:amount}) sent to {EMAIL}\n• next touchpoint {N:date}' },
  { id: 'ho.prose.support', format: 'prose', text: 'Agent: Thanks for waiting. Which email is on the account?\nCustomer: {EMAIL}\nAgent: And to verify, your {DOBCUE} {DOB}\nAgent: Thank you, {NAME}, the 2FA is reset.' },
  { id: 'ho.prose.support', format: 'prose', text: 'Agent: I can see two payments from {CARD} this week.\nCustomer: only one was me. I am {NAME}, the account holder.' },
  { id: 'ho.prose.invoice', format: 'prose', text: 'INVOICE {N:order}\nBill to: {NAME}\n{ADDRESS}\nPlease transfer {N:amount} to {IBAN} by {N:date}.' },
  { id: 'ho.prose.security', format: 'prose', text: 'Incident {N:ticketKey}: a burst of 401s from {IP} against the admin panel; the targeted account belongs to {NAME} ({EMAIL}). Source blocked for {N:duration}.' },
  { id: 'ho.prose.tenancy', format: 'prose', text: 'Tenant {NAME} leaves {ADDRESS} at the end of the month; the deposit goes back to {IBAN}.' },
  { id: 'ho.prose.list', format: 'prose', text: 'Seating plan, table 4: {NAME}, {NAME}, {NAME} and {NAME}.' },
  { id: 'ho.prose.subscription', format: 'prose', text: 'Cancelled at the request of {NAME}. The final charge of {N:amount} went to {CARD} and the confirmation to {EMAIL}.' },
  // Structured
  { id: 'ho.yaml.hr', format: 'yaml', text: 'employee:\n  full_name: {NAME}\n  date_of_birth: {DOB}\n  home_address: {ADDRESS}\n  bank:\n    iban: {IBAN}\n  start_date: {N:date}\n  title: {N:jobTitle}' },
  { id: 'ho.yaml.oncall', format: 'yaml', text: 'alerts:\n  on_call: {NAME}\n  pager: {PHONE}\n  escalation_email: {EMAIL}\n  runbook_version: {N:semver}\n  badge_colour: {N:colour}' },
  { id: 'ho.toml.owner', format: 'toml', text: '[owner]\nname = "{NAME}"\nemail = "{EMAIL}"\n\n[server]\nbind = "{IP}"\nidle_timeout = "{N:duration}"' },
  { id: 'ho.toml.billing', format: 'toml', text: '[billing]\naccount_holder = "{NAME}"\niban = "{IBAN}"\nfallback_card = "{CARD}"\nplan_sku = "{N:sku}"' },
  { id: 'ho.xml.patient', format: 'xml', text: '<patient id="{N:uuid}"><name>{NAME}</name><birthDate>{DOB}</birthDate><phone>{PHONE}</phone><address>{ADDRESS}</address></patient>' },
  { id: 'ho.xml.booking', format: 'xml', text: '<booking ref="{N:order}"><guest>{NAME}</guest><email>{EMAIL}</email><payment card="{CARD}"/><hotel>{N:company}</hotel></booking>' },
  { id: 'ho.md.team', format: 'md', text: '| Name | Role | Phone |\n|------|------|-------|\n| {NAME} | {N:jobTitle} | {PHONE} |\n| {NAME} | {N:jobTitle} | {PHONE} |' },
  { id: 'ho.md.tickets', format: 'md', text: '| Ticket | Reporter | Source IP | Fixed in |\n|---|---|---|---|\n| {N:ticketKey} | {NAME} | {IP} | {N:semver} |' },
  { id: 'ho.md.guests', format: 'md', text: '| Guest | Address | Card |\n|---|---|---|\n| {NAME} | {ADDRESS} | {CARD} |' },
  { id: 'ho.csv.guests', format: 'csv', text: 'guest,arrival,nights,card_number\n{NAME},{N:date},3,{CARD}' },
  { id: 'ho.csv.delivery', format: 'csv', text: 'recipient,delivery_address,tracking,contact\n{NAME},{ADDRESS},{N:sku},{PHONE}' },
  { id: 'ho.csv.staff', format: 'csv', text: 'staff_id,display,birthday,work_email\n{N:order},{NAME},{DOB},{EMAIL}' },
  { id: 'ho.kv.booking', format: 'kv', text: 'ts={N:timestamp} svc=booking action=hold guest={NAME} card={CARD} nights=2' },
  { id: 'ho.kv.audit', format: 'kv', text: 'audit actor={EMAIL} src={IP} action=export_report rows=1200 took={N:duration}' },
  { id: 'ho.kv.payout', format: 'kv', text: 'svc=claims step=payout beneficiary={NAME} account={IBAN} claim={N:order}' },
  { id: 'ho.log.crm', format: 'plain', text: '{N:timestamp} [crm-sync] upserted contact {NAME} <{EMAIL}> tel {PHONE}' },
  { id: 'ho.log.sshd', format: 'plain', text: '{N:timestamp} sshd[2211]: Accepted publickey for deploy from {IP} port 50122 ssh2' },
  { id: 'ho.log.kyc', format: 'plain', text: '{N:timestamp} kyc: document check passed for {NAME}, born {DOB}' },
  { id: 'ho.ics', format: 'plain', text: 'BEGIN:VEVENT\nSUMMARY:{N:heading}\nORGANIZER;CN={NAME}:mailto:{EMAIL}\nATTENDEE;CN={NAME}:mailto:{EMAIL}\nLOCATION:{ADDRESS}\nEND:VEVENT' },
  { id: 'ho.vcard', format: 'plain', text: 'BEGIN:VCARD\nVERSION:3.0\nFN:{NAME}\nTEL;TYPE=cell:{PHONE}\nEMAIL:{EMAIL}\nBDAY:{DOB}\nEND:VCARD' },
  { id: 'ho.json.appointment', format: 'json', text: '{"event":"appointment.booked","patient":{"fullName":"{NAME}","dateOfBirth":"{DOB}"},"slot":"{N:date}","clinic":"{N:company}"}' },
  { id: 'ho.json.delivery', format: 'json', text: '{"type":"delivery","recipient_name":"{NAME}","recipient_phone":"{PHONE}","dropoff":"{ADDRESS}","parcel":"{N:sku}"}' },
  { id: 'ho.json.review', format: 'json', text: '{"reviewer":"{NAME}","approved":true,"sha":"{N:hash}","ticket":"{N:ticketKey}"}' },
  { id: 'ho.json.cardholder', format: 'json', text: '{"cardholder":"{NAME}","pan":"{CARD}","billing_email":"{EMAIL}","colour":"{N:colour}"}' },
  { id: 'ho.json.contacts', format: 'json', text: '{"contacts":[{"n":"{NAME}","tel":"{PHONE}"},{"n":"{NAME}","tel":"{PHONE}"}]}' },
  { id: 'ho.json.login', format: 'json', text: '{"evt":"login_failed","principal":"{EMAIL}","remote_addr":"{IP}","ua":"Mozilla/5.0"}' },
  { id: 'ho.json.refund', format: 'json', text: '{"refund":{"to_iban":"{IBAN}","holder":"{NAME}","amount":"{N:amount}"}}' },
];

const local: Partial<Record<string, Template[]>> = {
  de: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Erinnerung an Ihren Termin in der Praxis am {N:date}. Patient: {NAME}, {DOBCUE} {DOB}. Absagen bitte telefonisch unter {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Ihr Paket {N:sku} wird heute zugestellt. Empfänger: {NAME}, Lieferadresse: {ADDRESS}. Fragen bitte an {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Buchungsbestätigung für {NAME}: Anreise am {N:date}, Aufenthalt {N:duration}. Die Kaution ist auf der Kreditkarte {CARD} vorgemerkt.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Schadensmeldung {N:order}: Versicherungsnehmer {NAME}, Schadenort {ADDRESS}. Die Auszahlung erfolgt auf {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Liebe Eltern,\n\nder Wandertag nach {N:place} ist am {N:date}. Bitte geben Sie die Einverständniserklärung bis Freitag bei {NAME} ab.\n\nViele Grüße\n{NAME}' },
    { id: 'ho.prose.security', format: 'prose', text: 'Sicherheitshinweis: Anmeldung bei Ihrem Konto {EMAIL} von der IP-Adresse {IP}. Waren Sie das nicht, ändern Sie bitte Ihr Passwort.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'Die Vorgänge von {NAME} übernimmt während der Elternzeit {NAME}.' },
  ],
  fr: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Rappel : votre rendez-vous au cabinet est fixé au {N:date}. Patient : {NAME}, {DOBCUE} {DOB}. Pour annuler, appelez le {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Votre colis {N:sku} sera livré aujourd’hui à {NAME}, {ADDRESS}. Suivi par e-mail : {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Réservation confirmée pour {NAME} : arrivée le {N:date}, séjour de {N:duration}. Une empreinte de la carte {CARD} a été prise.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Déclaration de sinistre {N:order} : l’assuré {NAME} signale un dégât des eaux au {ADDRESS}. Indemnisation sur le compte {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Chers parents,\n\nla sortie scolaire à {N:place} aura lieu le {N:date}. Merci de remettre l’autorisation à {NAME} avant vendredi.\n\n{NAME}, directrice' },
    { id: 'ho.prose.security', format: 'prose', text: 'Alerte de sécurité : une connexion à votre compte {EMAIL} a été détectée depuis l’adresse {IP}.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'Le dossier de {NAME} a été transmis à {NAME} pour validation.' },
  ],
  es: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Recordatorio: tiene cita en la consulta el {N:date}. Paciente: {NAME}, {DOBCUE} {DOB}. Para cambiarla llame al {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Su pedido {N:sku} llega hoy. Destinatario: {NAME}, {ADDRESS}. Dudas: {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Reserva confirmada a nombre de {NAME}: llegada el {N:date}, estancia de {N:duration}. Retuvimos la fianza en la tarjeta {CARD}.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Parte de siniestro {N:order}: el asegurado {NAME} comunica daños en {ADDRESS}. La indemnización se abonará en {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Estimadas familias:\n\nla excursión a {N:place} será el {N:date}. Entreguen la autorización a {NAME} antes del viernes.\n\nAtentamente,\n{NAME}' },
    { id: 'ho.prose.security', format: 'prose', text: 'Aviso de seguridad: inicio de sesión en {EMAIL} desde la dirección {IP}.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'El expediente de {NAME} pasa a {NAME} mientras dure la baja.' },
  ],
  it: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Promemoria: la visita è fissata per il {N:date}. Paziente: {NAME}, {DOBCUE} {DOB}. Per disdire chiamare il {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Il pacco {N:sku} sarà consegnato oggi a {NAME}, {ADDRESS}. Per informazioni: {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Prenotazione confermata per {NAME}: arrivo il {N:date}, soggiorno di {N:duration}. Garanzia sulla carta {CARD}.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Denuncia di sinistro {N:order}: l’assicurato {NAME} segnala danni in {ADDRESS}. Rimborso sul conto {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Gentili genitori,\n\nla gita a {N:place} si terrà il {N:date}. Consegnate l’autorizzazione a {NAME} entro venerdì.\n\nUn saluto,\n{NAME}' },
    { id: 'ho.prose.security', format: 'prose', text: 'Avviso di sicurezza: accesso all’account {EMAIL} dall’indirizzo {IP}.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'La pratica di {NAME} è stata assegnata a {NAME}.' },
  ],
  pt: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Lembrete: sua consulta está marcada para {N:date}. Paciente: {NAME}, {DOBCUE} {DOB}. Para remarcar, ligue para {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Seu pedido {N:sku} saiu para entrega. Destinatário: {NAME}, {ADDRESS}. Dúvidas: {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Reserva confirmada para {NAME}: check-in em {N:date}, estadia de {N:duration}. Caução no cartão {CARD}.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Aviso de sinistro {N:order}: o segurado {NAME} relata danos em {ADDRESS}. Indenização na conta {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Prezados responsáveis,\n\no passeio a {N:place} será em {N:date}. Entreguem a autorização para {NAME} até sexta.\n\nAbraços,\n{NAME}, coordenação' },
    { id: 'ho.prose.security', format: 'prose', text: 'Alerta de segurança: acesso à conta {EMAIL} a partir do IP {IP}.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'O processo de {NAME} foi encaminhado para {NAME}.' },
  ],
  ja: [
    { id: 'ho.prose.appointment', format: 'prose', text: '【予約確認】{NAME}様、{N:date}の診察のご予約を承りました。{DOBCUE}{DOB}。変更は{PHONE}までご連絡ください。' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'お荷物（{N:sku}）は本日配達予定です。お届け先：{ADDRESS} {NAME}様。お問い合わせ：{EMAIL}' },
    { id: 'ho.prose.booking', format: 'prose', text: 'ご宿泊予約：{NAME}様、チェックイン{N:date}、{N:duration}。クレジットカード{CARD}で仮押さえ済みです。' },
    { id: 'ho.prose.claim', format: 'prose', text: '保険金請求{N:order}：契約者{NAME}、事故発生場所{ADDRESS}。振込先口座{IBAN}。' },
    { id: 'ho.prose.school', format: 'prose', text: '保護者各位\n\n{N:date}に{N:place}へ遠足に行きます。同意書は金曜日までに担任の{NAME}先生へ提出してください。\n\n{NAME}' },
    { id: 'ho.prose.security', format: 'prose', text: 'セキュリティ通知：{EMAIL}のアカウントに{IP}からログインがありました。' },
    { id: 'ho.prose.handover', format: 'prose', text: '{NAME}さんの案件は{NAME}さんが引き継ぎます。' },
  ],
  nl: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Herinnering: uw afspraak bij de fysiotherapeut is op {N:date}. Patiënt: {NAME}, {DOBCUE} {DOB}. Verzetten kan via {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Uw pakket {N:sku} wordt vandaag bezorgd bij {NAME}, {ADDRESS}. Vragen? Mail {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Boeking bevestigd voor {NAME}: aankomst {N:date}, verblijf van {N:duration}. De borg staat gereserveerd op creditcard {CARD}.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Schademelding {N:order}: verzekerde {NAME} meldt waterschade op {ADDRESS}. Uitkering naar {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Beste ouders,\n\nhet schoolreisje naar {N:place} is op {N:date}. Lever het toestemmingsformulier vóór vrijdag in bij {NAME}.\n\nGroeten,\n{NAME}' },
    { id: 'ho.prose.security', format: 'prose', text: 'Beveiligingsmelding: er is ingelogd op {EMAIL} vanaf {IP}.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'Het dossier van {NAME} is overgedragen aan {NAME}.' },
  ],
  pl: [
    { id: 'ho.prose.appointment', format: 'prose', text: 'Przypomnienie: wizyta w przychodni {N:date}. Pacjent: {NAME}, {DOBCUE} {DOB}. Odwołanie wizyty: {PHONE}.' },
    { id: 'ho.prose.delivery', format: 'prose', text: 'Paczka {N:sku} zostanie dziś doręczona. Odbiorca: {NAME}, {ADDRESS}. Pytania: {EMAIL}.' },
    { id: 'ho.prose.booking', format: 'prose', text: 'Rezerwacja potwierdzona dla {NAME}: przyjazd {N:date}, pobyt {N:duration}. Kaucję zablokowano na karcie {CARD}.' },
    { id: 'ho.prose.claim', format: 'prose', text: 'Zgłoszenie szkody {N:order}: ubezpieczony {NAME}, miejsce zdarzenia {ADDRESS}. Wypłata na rachunek {IBAN}.' },
    { id: 'ho.prose.school', format: 'prose', text: 'Szanowni Rodzice,\n\nwycieczka do {N:place} odbędzie się {N:date}. Zgody prosimy oddać wychowawcy, {NAME}, do piątku.\n\nZ wyrazami szacunku\n{NAME}' },
    { id: 'ho.prose.security', format: 'prose', text: 'Alert bezpieczeństwa: logowanie na konto {EMAIL} z adresu {IP}.' },
    { id: 'ho.prose.handover', format: 'prose', text: 'Opiekun klienta: {NAME}. Zastępstwo: {NAME}.' },
  ],
};

/** Carriers of hard negatives only: nothing in them is personal. */
const negatives: Template[] = [
  { id: 'ho.neg.md', format: 'md', text: '## {N:heading}\n\nReleased {N:semver} on {N:date}; migration notes in {N:ticketKey}.' },
  { id: 'ho.neg.prose', format: 'prose', text: 'Brand refresh: primary {N:colour}, accent {N:colour}; the {N:product} landing page goes live once {N:ticketKey} is merged.' },
  { id: 'ho.neg.prose', format: 'prose', text: 'Store locator: the {N:place} branch sits at {N:coordinates} and stays open until 20:00.' },
  { id: 'ho.neg.log', format: 'plain', text: '{N:timestamp} job nightly-export finished in {N:duration} (exit 0)' },
  { id: 'ho.neg.csv', format: 'csv', text: 'isbn,title,price\n{N:isbn},{N:product},{N:amount}' },
  { id: 'ho.neg.csv', format: 'csv', text: 'sku,colour,stock\n{N:sku},{N:colour},124' },
  { id: 'ho.neg.yaml', format: 'yaml', text: 'service: checkout\nversion: {N:semver}\ntimeout: {N:duration}\nregion: {N:place}\nowner_team: {N:company}' },
  { id: 'ho.neg.toml', format: 'toml', text: '[package]\nname = "checkout-api"\nversion = "{N:semver}"\nhomepage = "https://{N:hostname}/docs"' },
  { id: 'ho.neg.xml', format: 'xml', text: '<item sku="{N:sku}"><title>{N:product}</title><isbn>{N:isbn}</isbn><published>{N:date}</published></item>' },
  { id: 'ho.neg.json', format: 'json', text: '{"title":"{N:heading}","assignee":null,"key":"{N:ticketKey}","fixVersion":"{N:semver}"}' },
  { id: 'ho.neg.json', format: 'json', text: '{"lat_lng":"{N:coordinates}","label":"{N:place}","radius_m":250}' },
  { id: 'ho.neg.kv', format: 'kv', text: 'level=info svc=search msg="index rebuilt" took={N:duration} version={N:semver} host={N:hostname}' },
  { id: 'ho.neg.md', format: 'md', text: '| Position | Team | Budget |\n|---|---|---|\n| {N:jobTitle} | {N:company} | {N:amount} |' },
  { id: 'ho.neg.prose', format: 'prose', text: 'The {N:jobTitle} role at {N:company} is open; applications close on {N:date}.' },
  { id: 'ho.neg.commit', format: 'prose', text: 'chore(deps): bump the parser to {N:semver}\n\nRefs {N:ticketKey}; built from {N:hash}.' },
  { id: 'ho.neg.log', format: 'plain', text: 'GET /api/v2/orders/{N:order} 200 {N:duration} trace={N:uuid}' },
  { id: 'ho.neg.prose', format: 'prose', text: 'Reading list for the offsite: ISBN {N:isbn}, plus the "{N:heading}" chapter of the handbook.' },
  { id: 'ho.neg.prose', format: 'prose', text: 'The container listens on {N:port}; the healthcheck gives up after {N:duration}.' },
  { id: 'ho.neg.csv', format: 'csv', text: 'postal_code,place,lat_lng\n{N:zip},{N:place},{N:coordinates}' },
  { id: 'ho.neg.prose', format: 'prose', text: 'Quarterly figures for {N:place}: revenue {N:amount}, see {N:section} of the board pack ({N:file}).' },
  { id: 'ho.neg.json', format: 'json', text: '{"error":"{N:code}","request_id":"{N:uuid}","at":"{N:timestamp}"}' },
  { id: 'ho.neg.md', format: 'md', text: '# {N:heading}\n\n- Owner: {N:company}\n- Status colour: {N:colour}\n- Estimate: {N:duration}' },
  { id: 'ho.neg.xml', format: 'xml', text: '<build number="{N:order}" commit="{N:hash}" version="{N:semver}" host="{N:hostname}"/>' },
  { id: 'ho.neg.prose', format: 'prose', text: 'Warranty for the {N:product} ({N:sku}) runs until {N:date}; {N:company} handles repairs.' },
];

/** The held-out carriers for one locale: English and (where written) its own language, then the negatives. */
export function heldoutTemplates(locale: EvalLocale): Template[] {
  const language = locale === 'pt_BR' ? 'pt' : locale.slice(0, 2);
  const own = local[language] ?? [];
  // The own-language prose twice: about a third of a non-English locale's prose is then in its language.
  return [...english, ...own, ...own, ...negatives];
}

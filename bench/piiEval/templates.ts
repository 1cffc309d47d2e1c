/**
 * Carriers of the evaluation corpus, written by hand for it: `{KIND}` is a generated personal value
 * (NAME, ADDRESS, PHONE, EMAIL, IBAN, CARD, DOB, IP), `{N:kind}` a hard negative, `{DOBCUE}` a
 * birth cue in the locale's words. Prose comes in the locale's language and in English (the lingua
 * franca of tickets and logs); CSV, log lines and JSON use the keys systems really use.
 */
import type { EvalLocale } from './corpus.ts';

export interface Template {
  id: string;
  /** How a value is quoted inside the carrier. */
  format: 'prose' | 'csv' | 'kv' | 'json' | 'plain' | 'yaml' | 'toml' | 'xml' | 'md';
  text: string;
}

/** Birth cues per locale, as they stand before a date. */
export const dobCues: Record<EvalLocale, readonly string[]> = {
  de: ['Geburtsdatum:', 'geboren am', 'Geb.-Datum:', 'geb.'],
  fr: ['date de naissance :', 'né le', 'née le', 'Date de naissance:'],
  es: ['fecha de nacimiento:', 'nacido el', 'nacida el', 'F. nacimiento:'],
  it: ['data di nascita:', 'nato il', 'nata il', 'Data di nascita'],
  pt_BR: ['data de nascimento:', 'nascido em', 'nascida em', 'Data de Nascimento:'],
  ja: ['生年月日:', '生年月日：', '生まれ:', '誕生日:'],
  en_IN: ['DOB:', 'date of birth:', 'born on', 'D.O.B.'],
  en_US: ['DOB:', 'date of birth:', 'born on', 'Birthdate:'],
  en_GB: ['DOB:', 'date of birth:', 'born on', 'Date of Birth -'],
  nl: ['geboortedatum:', 'geboren op', 'Geboortedatum', 'geb. datum:'],
  pl: ['data urodzenia:', 'urodzony', 'urodzona', 'Data urodzenia:'],
};

const english: Template[] = [
  { id: 'prose.ticket', format: 'prose', text: 'Ticket {N:order}: customer {NAME} says the invoice was sent to the wrong place. Please update the billing address to {ADDRESS} and confirm by phone on {PHONE}.' },
  { id: 'prose.ticket', format: 'prose', text: 'Hi team, {NAME} called again about the refund. Card on file ends differently than the one she used ({CARD}). Can someone from billing look at it today?' },
  { id: 'prose.ticket', format: 'prose', text: 'Escalation: the account holder {NAME} ({EMAIL}) cannot log in since yesterday. Last successful login came from {IP}; the new attempts fail with {N:code}.' },
  { id: 'prose.ticket', format: 'prose', text: 'Refund request. Please wire the amount back to {IBAN} in the name of {NAME}. Reference {N:order}.' },
  { id: 'prose.email', format: 'prose', text: 'Dear {NAME},\n\nthank you for your order. We will ship it to {ADDRESS} within three working days.\n\nKind regards,\n{NAME}\nCustomer Care\n{PHONE}' },
  { id: 'prose.email', format: 'prose', text: 'Hello {NAME},\n\nplease find attached the signed contract. For the direct debit we need your IBAN; the one you gave ({IBAN}) was rejected by the bank.\n\nBest,\n{NAME}' },
  { id: 'prose.email', format: 'prose', text: 'Dear Sir or Madam,\n\nI am writing on behalf of my mother, {NAME}, {DOBCUE} {DOB}. She moved to {ADDRESS} last month.\n\nYours faithfully,\n{NAME}\n{EMAIL}' },
  { id: 'prose.chat', format: 'prose', text: '[10:42] ops-bot: new signup {EMAIL} from {IP}\n[10:43] {NAME}: that one looks legit, approve it' },
  { id: 'prose.chat', format: 'prose', text: 'can you ping {NAME}? her mobile is {PHONE}, she is not on slack today' },
  { id: 'prose.chat', format: 'prose', text: 'fyi I added {NAME} to the on-call rota, reach them at {EMAIL} or {PHONE}' },
  { id: 'prose.notes', format: 'prose', text: 'Meeting notes, {N:date}\nAttendees: {NAME}, {NAME}, {NAME}\n- Action: {NAME} to follow up with the landlord at {ADDRESS}\n- Budget {N:amount} approved' },
  { id: 'prose.notes', format: 'prose', text: 'Interview with the applicant {NAME} ({DOBCUE} {DOB}). Contact: {PHONE}. Next step: reference check.' },
  { id: 'prose.notes', format: 'prose', text: 'Visitor log: {NAME}, {DOBCUE} {DOB}, badge issued, escorted by {NAME}.' },
  { id: 'prose.ticket', format: 'prose', text: 'Chargeback received for card {CARD}. The cardholder {NAME} disputes the payment of {N:amount}.' },
  { id: 'prose.ticket', format: 'prose', text: 'Suspicious logins for {EMAIL}: {IP} and {IP} within five minutes. Account locked, user notified.' },
  { id: 'csv.contacts', format: 'csv', text: 'name,email,phone,city\n{NAME},{EMAIL},{PHONE},{N:city}' },
  { id: 'csv.customers', format: 'csv', text: 'customer_id,full_name,street,date_of_birth\n{N:order},{NAME},{ADDRESS},{DOB}' },
  { id: 'csv.payments', format: 'csv', text: 'id,holder,iban,card,amount\n42,{NAME},{IBAN},{CARD},{N:amount}' },
  { id: 'csv.access', format: 'csv', text: 'timestamp,user,ip,status\n{N:timestamp},{EMAIL},{IP},200' },
  { id: 'log.kv', format: 'kv', text: 'level=info msg="login ok" user={EMAIL} ip={IP} version={N:version}' },
  { id: 'log.kv', format: 'kv', text: 'level=warn msg="payment declined" customer={NAME} card={CARD} amount={N:amount}' },
  { id: 'log.kv', format: 'kv', text: 'ts={N:timestamp} event=profile_update name={NAME} phone={PHONE} address={ADDRESS}' },
  { id: 'log.kv', format: 'kv', text: 'event=kyc_check dob={DOB} iban={IBAN} result=pass' },
  { id: 'log.plain', format: 'plain', text: '{N:timestamp} WARN failed password for {EMAIL} from {IP} port 52114' },
  { id: 'log.plain', format: 'plain', text: '{N:timestamp} INFO sms sent to {PHONE} (template otp_v2)' },
  { id: 'log.plain', format: 'plain', text: '{N:timestamp} INFO sepa mandate created for {IBAN}' },
  { id: 'json.crm', format: 'json', text: '{"id": 81723, "name": "{NAME}", "email": "{EMAIL}", "phone": "{PHONE}", "status": "active"}' },
  { id: 'json.crm', format: 'json', text: '{"customer": "{NAME}", "address": "{ADDRESS}", "birth_date": "{DOB}", "tier": "gold"}' },
  { id: 'json.issue', format: 'json', text: '{"key": "OPS-{N:order}", "assignee": "{NAME}", "reporter": "{NAME}", "summary": "VPN drops for {IP}"}' },
  { id: 'json.repo', format: 'json', text: '{"owner": "{NAME}", "author": "{NAME}", "commit": "{N:hash}", "file": "{N:file}"}' },
  { id: 'json.payment', format: 'json', text: '{"payer": "{NAME}", "iban": "{IBAN}", "card_number": "{CARD}", "total": "{N:amount}"}' },
  { id: 'json.session', format: 'json', text: '{"session": "{N:uuid}", "client_ip": "{IP}", "user": "{EMAIL}"}' },
  { id: 'json.profile', format: 'json', text: '{"display_name": "{NAME}", "mobile": "{PHONE}", "dob": "{DOB}", "home": {"street": "{ADDRESS}"}}' },
];

const local: Partial<Record<string, Template[]>> = {
  de: [
    { id: 'prose.ticket', format: 'prose', text: 'Kundin {NAME} bittet um Rückruf unter {PHONE}, es geht um die Lieferung an {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Hallo {NAME},\n\nbitte überweisen Sie den Betrag auf das Konto {IBAN}.\n\nMit freundlichen Grüßen\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Neuer Mitarbeiter: {NAME}, {DOBCUE} {DOB}, wohnhaft {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: 'Kannst du {NAME} Bescheid geben? Die Mail an {EMAIL} kam zurück.' },
    { id: 'prose.ticket', format: 'prose', text: 'Die Zahlung mit der Karte {CARD} wurde abgelehnt, Zugriff kam von {IP}.' },
  ],
  fr: [
    { id: 'prose.ticket', format: 'prose', text: 'Le client {NAME} demande à être rappelé au {PHONE} au sujet de sa livraison au {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Bonjour {NAME},\n\nnous avons bien reçu votre RIB ({IBAN}).\n\nCordialement,\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Dossier de {NAME}, {DOBCUE} {DOB}, domicilié {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: "Tu peux prévenir {NAME} ? Son adresse {EMAIL} ne répond plus." },
    { id: 'prose.ticket', format: 'prose', text: 'Paiement refusé pour la carte {CARD}, connexion depuis {IP}.' },
  ],
  es: [
    { id: 'prose.ticket', format: 'prose', text: 'La clienta {NAME} pide que la llamen al {PHONE} por el envío a {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Estimado {NAME}:\n\nle confirmamos la domiciliación en la cuenta {IBAN}.\n\nUn saludo,\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Alta de empleado: {NAME}, {DOBCUE} {DOB}, con domicilio en {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: '¿Puedes avisar a {NAME}? El correo a {EMAIL} rebota.' },
    { id: 'prose.ticket', format: 'prose', text: 'Pago rechazado con la tarjeta {CARD} desde la IP {IP}.' },
  ],
  it: [
    { id: 'prose.ticket', format: 'prose', text: 'Il cliente {NAME} chiede di essere richiamato al {PHONE} per la consegna in {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Gentile {NAME},\n\nabbiamo registrato il suo IBAN {IBAN}.\n\nCordiali saluti,\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Nuovo assunto: {NAME}, {DOBCUE} {DOB}, residente in {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: 'Puoi avvisare {NAME}? La mail a {EMAIL} torna indietro.' },
    { id: 'prose.ticket', format: 'prose', text: 'Pagamento rifiutato con la carta {CARD}, accesso da {IP}.' },
  ],
  pt: [
    { id: 'prose.ticket', format: 'prose', text: 'A cliente {NAME} pediu retorno no telefone {PHONE} sobre a entrega em {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Prezado {NAME},\n\nconfirmamos o débito na conta {IBAN}.\n\nAtenciosamente,\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Cadastro: {NAME}, {DOBCUE} {DOB}, residente em {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: 'Pode avisar o {NAME}? O e-mail para {EMAIL} voltou.' },
    { id: 'prose.ticket', format: 'prose', text: 'Pagamento recusado no cartão {CARD}, acesso pelo IP {IP}.' },
  ],
  ja: [
    { id: 'prose.ticket', format: 'prose', text: 'お客様の{NAME}様より、{ADDRESS}への配送について{PHONE}まで折り返しのご依頼がありました。' },
    { id: 'prose.email', format: 'prose', text: '{NAME}様\n\nいつもお世話になっております。口座番号（{IBAN}）の確認が取れました。\n\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: '新入社員：{NAME}、{DOBCUE}{DOB}、住所：{ADDRESS}' },
    { id: 'prose.chat', format: 'prose', text: '{NAME}さんに連絡してもらえますか？{EMAIL}宛のメールが戻ってきました。' },
    { id: 'prose.ticket', format: 'prose', text: 'カード{CARD}での決済が拒否されました。接続元は{IP}です。' },
  ],
  nl: [
    { id: 'prose.ticket', format: 'prose', text: 'Klant {NAME} wil teruggebeld worden op {PHONE} over de levering aan {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Beste {NAME},\n\nwe hebben uw rekeningnummer {IBAN} ontvangen.\n\nMet vriendelijke groet,\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Nieuwe collega: {NAME}, {DOBCUE} {DOB}, woonachtig {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: 'Kun je {NAME} even laten weten dat de mail naar {EMAIL} terugkomt?' },
    { id: 'prose.ticket', format: 'prose', text: 'Betaling met kaart {CARD} geweigerd, verbinding vanaf {IP}.' },
  ],
  pl: [
    { id: 'prose.ticket', format: 'prose', text: 'Klientka {NAME} prosi o kontakt pod numerem {PHONE} w sprawie dostawy na {ADDRESS}.' },
    { id: 'prose.email', format: 'prose', text: 'Dzień dobry {NAME},\n\npotwierdzamy numer rachunku {IBAN}.\n\nZ poważaniem,\n{NAME}' },
    { id: 'prose.notes', format: 'prose', text: 'Nowy pracownik: {NAME}, {DOBCUE} {DOB}, zamieszkały {ADDRESS}.' },
    { id: 'prose.chat', format: 'prose', text: 'Możesz dać znać {NAME}? Mail na {EMAIL} wrócił.' },
    { id: 'prose.ticket', format: 'prose', text: 'Płatność kartą {CARD} odrzucona, połączenie z {IP}.' },
  ],
};

/** Carriers of hard negatives only: nothing in them is personal. */
const negatives: Template[] = [
  { id: 'neg.prose', format: 'prose', text: 'Upgraded the agent to {N:version} and re-ran the migration; see {N:section} of the runbook.' },
  { id: 'neg.prose', format: 'prose', text: 'Invoice {N:order} over {N:amount} was paid on {N:date}, thanks to the team at {N:company}.' },
  { id: 'neg.prose', format: 'prose', text: 'The shipment left the warehouse in {N:city} with postcode {N:zip} attached to the pallet.' },
  { id: 'neg.prose', format: 'prose', text: 'Our new {N:product} ships next week; the price stays at {N:amount}.' },
  { id: 'neg.prose', format: 'prose', text: 'Please read {N:file} before you clone {N:gitRemote}.' },
  { id: 'neg.log', format: 'plain', text: '{N:timestamp} ERROR connect {N:port} (retrying in 5s)' },
  { id: 'neg.log', format: 'plain', text: '{N:timestamp} INFO deployed commit {N:hash} build {N:version}' },
  { id: 'neg.log', format: 'plain', text: 'request {N:uuid} failed: {N:code}' },
  { id: 'neg.log', format: 'kv', text: 'level=info msg="order created" order={N:order} total={N:amount} created={N:date}' },
  { id: 'neg.log', format: 'kv', text: 'level=error msg="db down" addr={N:port} code={N:code}' },
  { id: 'neg.csv', format: 'csv', text: 'sku,product,price,warehouse\n{N:order},{N:product},{N:amount},{N:city}' },
  { id: 'neg.csv', format: 'csv', text: 'release,sha,date\n{N:version},{N:hash},{N:date}' },
  { id: 'neg.csv', format: 'csv', text: 'vendor,postal_code,ticket\n{N:company},{N:zip},{N:uuid}' },
  { id: 'neg.json', format: 'json', text: '{"name": "{N:jsonName}", "path": "docs/{N:file}", "size": 4096}' },
  { id: 'neg.json', format: 'json', text: '{"customer": "{N:jsonCustomer}", "plan": "enterprise", "seats": 250}' },
  { id: 'neg.json', format: 'json', text: '{"owner": "{N:company}", "created_at": "{N:timestamp}", "version": "{N:version}"}' },
  { id: 'neg.json', format: 'json', text: '{"author": "dependabot[bot]", "remote": "{N:gitRemote}", "commit": "{N:hash}"}' },
  { id: 'neg.json', format: 'json', text: '{"city": "{N:city}", "zip": "{N:zip}", "order": "{N:order}"}' },
  { id: 'neg.prose', format: 'prose', text: 'Clause analysis: {N:section} conflicts with the vendor terms; {N:company} will send a revision.' },
  { id: 'neg.prose', format: 'prose', text: 'Spec says the service returns {N:code} when the quota is exceeded.' },
];

/** The carriers for one locale: English and (where written) its own language, then the negatives. */
export function carrierTemplates(locale: EvalLocale): Template[] {
  const language = locale === 'pt_BR' ? 'pt' : locale.slice(0, 2);
  const own = local[language] ?? [];
  // The own-language prose twice: about a third of a non-English locale's prose is then in its language.
  return [...english, ...own, ...own, ...negatives];
}

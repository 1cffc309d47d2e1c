/** A rule that marks every value under a key (or a dotted key path) as personal. */
export interface FieldRule {
  id: string;
  kind: string;
  /** Normalised key segments: lower case, without `_`, `-` and spaces. */
  path: string[];
  /** The last key as written, for building the text pattern. */
  key: string;
  validate?: (value: string) => boolean;
  /**
   * Only values directly under the key (or in an array under it): an object there is walked with
   * its own keys' rules (`{"owner": {"login": ..., "id": ...}}`).
   */
  scalar?: boolean;
}

/**
 * Keys masked by default as personal data (rule `field.personal`). Ambiguous keys such as `name`
 * and `address` (a file name, an IP address) are left to each server's `pii.fields`.
 */
export const defaultPersonalFields: Readonly<Record<string, string>> = {
  full_name: 'NAME',
  first_name: 'NAME',
  last_name: 'NAME',
  given_name: 'NAME',
  family_name: 'NAME',
  middle_name: 'NAME',
  maiden_name: 'NAME',
  surname: 'NAME',
  dob: 'DOB',
  date_of_birth: 'DOB',
  birth_date: 'DOB',
  birthdate: 'DOB',
  birthday: 'DOB',
  street_address: 'ADDRESS',
  home_address: 'ADDRESS',
  postal_address: 'ADDRESS',
  mailing_address: 'ADDRESS',
  billing_address: 'ADDRESS',
  shipping_address: 'ADDRESS',
  email: 'EMAIL',
  email_address: 'EMAIL',
  phone: 'PHONE',
  phone_number: 'PHONE',
  mobile: 'PHONE',
  mobile_phone: 'PHONE',
  cell_phone: 'PHONE',
  home_phone: 'PHONE',
  work_phone: 'PHONE',
  telephone: 'PHONE',
  fax: 'PHONE',
  geburtsdatum: 'DOB',
  date_de_naissance: 'DOB',
  fecha_de_nacimiento: 'DOB',
  fecha_nacimiento: 'DOB',
  data_di_nascita: 'DOB',
  data_de_nascimento: 'DOB',
  data_nascimento: 'DOB',
  geboortedatum: 'DOB',
  data_urodzenia: 'DOB',
  passport: 'PASSPORT',
  passport_number: 'PASSPORT',
  passport_no: 'PASSPORT',
  passport_id: 'PASSPORT',
  driver_license: 'DRIVER_LICENSE',
  drivers_license: 'DRIVER_LICENSE',
  driver_licence: 'DRIVER_LICENSE',
  drivers_licence: 'DRIVER_LICENSE',
  driving_license: 'DRIVER_LICENSE',
  driving_licence: 'DRIVER_LICENSE',
  driver_license_number: 'DRIVER_LICENSE',
  drivers_license_number: 'DRIVER_LICENSE',
  driving_licence_number: 'DRIVER_LICENSE',
  dl_number: 'DRIVER_LICENSE',
  ssn: 'SSN',
  social_security_number: 'SSN',
  social_security_no: 'SSN',
};

/** Keys whose values are masked by default as secrets (rule `field.secret`). */
export const defaultSecretFields: Readonly<Record<string, string>> = {
  password: 'SECRET',
  passwd: 'SECRET',
  secret: 'SECRET',
  client_secret: 'SECRET',
  secret_key: 'SECRET',
  api_key: 'SECRET',
  apikey: 'SECRET',
  access_token: 'SECRET',
  refresh_token: 'SECRET',
  id_token: 'SECRET',
  private_key: 'SECRET',
  aws_secret_access_key: 'SECRET',
  authorization: 'SECRET',
};

/** `fullName`, `full_name`, `Full-Name` → `fullname`. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, '');
}

function keyPattern(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return words.join('[_-]?');
}

/** Builds a field rule from a key or dotted path. */
export function fieldRule(id: string, path: string, kind: string, validate?: (value: string) => boolean, scalar?: boolean): FieldRule {
  const segments = path.split('.').filter((segment) => segment.length > 0);
  const rule: FieldRule = { id, kind, path: segments.map(normalizeKey), key: segments.at(-1) ?? path, validate };
  if (scalar === true) rule.scalar = true;
  return rule;
}

/** Finds the field rule for a key path, and the JSON / logfmt key-value pairs in text. */
export class FieldMatcher {
  readonly rules: readonly FieldRule[];
  readonly #byLast = new Map<string, FieldRule[]>();
  readonly jsonPair: RegExp | undefined;
  readonly logfmtPair: RegExp | undefined;

  constructor(rules: readonly FieldRule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const last = rule.path.at(-1);
      if (last === undefined) continue;
      const list = this.#byLast.get(last) ?? [];
      list.push(rule);
      this.#byLast.set(last, list);
    }
    if (rules.length > 0) {
      const keys = [...new Set(rules.map((rule) => keyPattern(rule.key)))].sort((a, b) => b.length - a.length).join('|');
      this.jsonPair = new RegExp(`"(${keys})"\\s*:\\s*(?:"((?:[^"\\\\\\n]|\\\\.)*)"|(-?\\d[\\d.eE+-]*))`, 'dgi');
      this.logfmtPair = new RegExp(`(?<![\\w.-])(${keys})=(?:"((?:[^"\\\\\\n]|\\\\.)*)"|([^\\s"]+))`, 'dgi');
    }
  }

  /** The rule matching a path of keys (array indices ignored), or `undefined`. */
  match(path: readonly (string | number)[]): FieldRule | undefined {
    const last = path.at(-1);
    if (typeof last !== 'string') return undefined;
    const candidates = this.#byLast.get(normalizeKey(last));
    if (!candidates) return undefined;
    const keys = path.filter((segment): segment is string => typeof segment === 'string').map(normalizeKey);
    return candidates.find((rule) => rule.path.length <= keys.length && rule.path.every((segment, i) => keys[keys.length - rule.path.length + i] === segment));
  }

  /** A key as rules compare it (`fullName` → `fullname`). */
  normalize(key: string): string {
    return normalizeKey(key);
  }

  /** The rule matching a path of normalized keys (the last one last), or `undefined`. */
  matchNormalized(keys: readonly string[]): FieldRule | undefined {
    const length = keys.length;
    if (length === 0) return undefined;
    const candidates = this.#byLast.get(keys[length - 1]!);
    if (!candidates) return undefined;
    // Plain loops: this runs for every key of every JSON document, and callbacks allocate closures.
    for (const rule of candidates) {
      const path = rule.path;
      if (path.length > length) continue;
      let matches = true;
      for (let i = path.length - 2; i >= 0 && matches; i--) matches = keys[length - path.length + i] === path[i];
      if (matches) return rule;
    }
    return undefined;
  }

  /** The rule for a key met in text (only its last segment is known there). */
  matchKey(key: string): FieldRule | undefined {
    return this.#byLast.get(normalizeKey(key))?.[0];
  }
}

/**
 * Keys whose values are masked only when they look like the kind (rules `field.name`,
 * `field.address`): `{"name": "Ann Lee"}` is masked, `{"name": "README.md"}` and
 * `{"owner": "acme-org"}` are not. An object under such a key is walked with its own keys' rules.
 */
export const defaultShapedFields: Readonly<Record<string, 'NAME' | 'ADDRESS'>> = {
  name: 'NAME',
  display_name: 'NAME',
  customer: 'NAME',
  customer_name: 'NAME',
  client_name: 'NAME',
  contact: 'NAME',
  contact_name: 'NAME',
  contact_person: 'NAME',
  assignee: 'NAME',
  owner: 'NAME',
  owner_name: 'NAME',
  author: 'NAME',
  author_name: 'NAME',
  reporter: 'NAME',
  requester: 'NAME',
  recipient: 'NAME',
  recipient_name: 'NAME',
  sender_name: 'NAME',
  cardholder: 'NAME',
  cardholder_name: 'NAME',
  card_holder: 'NAME',
  account_holder: 'NAME',
  holder: 'NAME',
  payer: 'NAME',
  payee: 'NAME',
  sender: 'NAME',
  attendee: 'NAME',
  participant: 'NAME',
  speaker: 'NAME',
  signer: 'NAME',
  signatory: 'NAME',
  guest: 'NAME',
  guest_name: 'NAME',
  passenger: 'NAME',
  traveler: 'NAME',
  traveller: 'NAME',
  applicant: 'NAME',
  candidate: 'NAME',
  tenant: 'NAME',
  student: 'NAME',
  teacher: 'NAME',
  doctor: 'NAME',
  physician: 'NAME',
  holder_name: 'NAME',
  name_on_card: 'NAME',
  beneficiary: 'NAME',
  beneficiary_name: 'NAME',
  employee: 'NAME',
  employee_name: 'NAME',
  manager: 'NAME',
  patient: 'NAME',
  patient_name: 'NAME',
  person: 'NAME',
  emergency_contact: 'NAME',
  address: 'ADDRESS',
  street: 'ADDRESS',
  street_line: 'ADDRESS',
  address_line: 'ADDRESS',
  address_line1: 'ADDRESS',
  address_line2: 'ADDRESS',
  address1: 'ADDRESS',
  address2: 'ADDRESS',
  addr: 'ADDRESS',
  residence: 'ADDRESS',
  residential_address: 'ADDRESS',
  delivery_address: 'ADDRESS',
  physical_address: 'ADDRESS',
};

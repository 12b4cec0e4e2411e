// A history snapshot (JSON written by core's providers, secrets removed) as labelled fields.
// Field names differ by provider; unknown fields stay in the raw JSON only.

export type SnapshotNumber = { number: string; id: string | null }

export type SnapshotFields = {
  name: string | null
  id: string | null
  /** `null`: the snapshot does not list numbers (or could not read them: see `numbersNote`). */
  numbers: SnapshotNumber[] | null
  numbersNote: string | null
  choices: [string, string][]
  takenAt: string | null
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null)

function firstOf(o: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = str(o[k])
    if (v) return v
  }
  return null
}

/** `null` when the text is not a JSON object. */
export function snapshotFields(json: string): SnapshotFields | null {
  let v: unknown
  try {
    v = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  const numbers = Array.isArray(o.numbers)
    ? o.numbers.map((n): SnapshotNumber => {
        if (typeof n === 'object' && n !== null) {
          const r = n as Record<string, unknown>
          return { number: firstOf(r, ['phone_number', 'number', 'msisdn']) ?? 'unknown', id: firstOf(r, ['sid', 'id']) }
        }
        return { number: str(n) ?? 'unknown', id: null }
      })
    : null
  const choices =
    typeof o.choices === 'object' && o.choices !== null && !Array.isArray(o.choices)
      ? Object.entries(o.choices as Record<string, unknown>).map(([k, c]): [string, string] => [
          k,
          typeof c === 'boolean' ? (c ? 'yes' : 'no') : (str(c) ?? 'unknown'),
        ])
      : []
  return {
    name: firstOf(o, ['name', 'friendly_name', 'display_name', 'organization_name']),
    id: firstOf(o, ['sid', 'auth_id', 'id', 'api_key', 'account_id']),
    numbers,
    numbersNote: str(o.numbers_note),
    choices,
    takenAt: str(o.taken_at),
  }
}

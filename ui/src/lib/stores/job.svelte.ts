// One bulk job at a time: its progress as streamed by `bulk_run`, and its summary at the end.
import * as api from '../api'
import type { Action } from '../bindings/Action'
import type { BulkPreview } from '../bindings/BulkPreview'
import type { Confirmation } from '../bindings/Confirmation'
import type { ItemRef } from '../bindings/ItemRef'
import type { ItemResult } from '../bindings/ItemResult'
import type { JobCounts } from '../bindings/JobCounts'
import type { JobEvent } from '../bindings/JobEvent'
import type { SkippedItem } from '../bindings/SkippedItem'
import { itemKey, providerLabel } from '../format'
import { explainResult, isNotConfirmed } from '../jobResults'
import { IN_DOUBT_FALLBACK, type AccountsStore } from './accounts.svelte'

export type JobPhase = 'idle' | 'running' | 'finished'

export class JobStore {
  phase = $state<JobPhase>('idle')
  action = $state<Action | null>(null)
  jobId = $state<string | null>(null)
  counts = $state<JobCounts | null>(null)
  etaSecs = $state<number | null>(null)
  cancelled = $state(false)
  cancelling = $state(false)
  /** Items that failed: nothing changed, so these (and only these) can be retried. */
  failures = $state.raw<ItemResult[]>([])
  /**
   * Items sent whose outcome could not be confirmed: never offered for a retry (that could do
   * the change twice); *Check now* on their rows settles them.
   */
  notConfirmed = $state.raw<ItemResult[]>([])
  /**
   * Items skipped, each with the rule in its error message: the ones the preview already set
   * aside (never sent to the job) first, then the ones core skipped while it ran.
   */
  skipped = $state.raw<ItemResult[]>([])
  /** Items a cancelled job never started: they can be started again. */
  notStarted = $state.raw<ItemResult[]>([])
  /** The job could not run at all, or cancelling failed. */
  error = $state<string | null>(null)
  /** The provider's own words about `error`, for *Details*. */
  errorDetails = $state<string | null>(null)

  private readonly accounts: AccountsStore
  /** How many the preview skipped: core never sees them, so its counts leave them out. */
  #previewSkipped = 0

  constructor(accounts: AccountsStore) {
    this.accounts = accounts
  }

  get running(): boolean {
    return this.phase === 'running'
  }

  /** Runs the preview's runnable accounts; resolves when the job has ended. */
  async start(
    preview: BulkPreview,
    confirmation: Confirmation | null,
    choices: Record<string, boolean> = {},
    reason: string | null = null,
  ): Promise<void> {
    const items: ItemRef[] = preview.runnable.map((r) => ({ connectionId: r.connectionId, accountId: r.id }))
    const keys = items.map(itemKey)
    this.phase = 'running'
    this.action = preview.action
    this.jobId = null
    this.etaSecs = null
    this.cancelled = false
    this.cancelling = false
    this.failures = []
    this.notConfirmed = []
    this.skipped = preview.skipped.map(skippedResult)
    this.#previewSkipped = preview.skipped.length
    this.notStarted = []
    this.error = null
    this.errorDetails = null
    this.counts = this.#withPreview({
      total: items.length,
      succeeded: 0,
      failed: 0,
      notConfirmed: 0,
      skipped: 0,
      notStarted: 0,
      remaining: items.length,
    })
    this.accounts.setPending(keys)
    try {
      const counts = await api.bulkRun(items, preview.action, confirmation, (e) => this.#onEvent(e), choices, reason)
      this.counts = this.#withPreview(counts)
    } catch (e) {
      this.error = api.errorMessage(e)
      this.errorDetails = api.errorDetails(e)
    } finally {
      this.accounts.flush()
      this.accounts.clearPending(keys)
      this.phase = 'finished'
    }
  }

  #onEvent(event: JobEvent) {
    switch (event.kind) {
      case 'started':
        this.jobId = event.jobId
        this.counts = this.#withPreview(event.counts)
        break
      case 'item': {
        const r = event.result
        this.counts = this.#withPreview(event.counts)
        this.etaSecs = event.etaSecs
        const key = itemKey(r.item)
        if (r.row) this.accounts.updateRows([r.row])
        if (isNotConfirmed(r)) {
          // Sent, outcome not known: the row is in doubt (no action, only Check now), not failed.
          this.accounts.markInDoubt(key, r.row?.inDoubt ?? IN_DOUBT_FALLBACK)
          this.notConfirmed = [...this.notConfirmed, r]
        } else if (r.outcome === 'failed') {
          // The row says what the job's summary says: one sentence per outcome.
          const provider = r.row?.provider ?? this.accounts.row(key)?.provider
          this.accounts.setError(key, explainResult(r, provider ? providerLabel(provider) : undefined), r.error?.details ?? null)
          this.failures = [...this.failures, r]
        } else if (r.outcome === 'skipped' && r.error?.code === 'in_doubt') {
          // Skipped because an earlier action on it has no known outcome: core's sentence says so.
          this.accounts.markInDoubt(key, r.row?.inDoubt ?? r.error.message)
          this.skipped = [...this.skipped, r]
        } else {
          this.accounts.clearState(key)
          if (r.outcome === 'skipped') this.skipped = [...this.skipped, r]
          if (r.outcome === 'not_started') this.notStarted = [...this.notStarted, r]
        }
        break
      }
      case 'finished':
        this.jobId = event.jobId
        this.counts = this.#withPreview(event.counts)
        this.cancelled = event.cancelled
        // Only a failure is ever offered for a retry: anything whose outcome is not known stays
        // with the not-confirmed ones, whichever list core put it in.
        this.failures = event.failures.filter((r) => r.outcome === 'failed' && !isNotConfirmed(r))
        this.notConfirmed = [...event.notConfirmed, ...event.failures.filter((r) => !this.failures.includes(r))]
        this.etaSecs = null
        break
    }
  }

  /** Core's counts with the accounts the preview skipped added: the summary adds up. */
  #withPreview(c: JobCounts): JobCounts {
    const n = this.#previewSkipped
    return { ...c, total: c.total + n, skipped: c.skipped + n }
  }

  async cancel(): Promise<void> {
    if (!this.jobId || this.cancelling) return
    this.cancelling = true
    try {
      await api.bulkCancel(this.jobId)
    } catch (e) {
      this.error = api.errorMessage(e)
      this.cancelling = false
    }
  }

  dismiss() {
    if (this.running) return
    this.phase = 'idle'
    this.failures = []
    this.notConfirmed = []
    this.skipped = []
    this.notStarted = []
    this.counts = null
    this.error = null
    this.errorDetails = null
  }
}

/** An account the preview set aside, as a result of the job: skipped, with the preview's reason. */
function skippedResult(s: SkippedItem): ItemResult {
  return {
    item: s.item,
    outcome: 'skipped',
    statusAfter: null,
    row: null,
    error: { code: s.code, message: s.reason, retryable: false },
    attempts: 0,
  }
}

// The upload page: Uppy's Dashboard sends each file to the asset API, and
// a row per uploaded file shows its processing state, refreshed by the
// htmx poller in templates/dam/upload.html.
;(function () {
  'use strict'

  const root = document.getElementById('uploader')
  const list = document.getElementById('upload-states')
  const section = document.getElementById('upload-states-section')
  const poller = document.getElementById('upload-poller')
  const summary = document.getElementById('upload-summary')

  // Matches MAX_IDS_PER_POLL in dam/views/upload.py.
  const MAX_IDS_PER_POLL = 100

  // The server sniffs every file's content; this list only spares a round
  // trip for files that are plainly not media (browsers report no type for
  // some of these, hence the extensions).
  const ACCEPTED = [
    'image/*', 'video/*',
    '.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.heic', '.heif',
    '.mp4', '.m4v', '.mov', '.webm', '.mkv',
  ]

  function refusalReason (xhr) {
    let body = null
    try {
      body = JSON.parse(xhr.responseText)
    } catch (err) {
      body = null
    }
    if (xhr.status === 401 || xhr.status === 403) {
      return 'You are signed out or your session expired: sign in again, then retry.'
    }
    if (body && Array.isArray(body.file) && body.file.length) return body.file.join(' ')
    if (body && body.detail) return String(body.detail)
    if (xhr.status === 413) return 'The file is larger than the server accepts.'
    return 'The server refused the file (HTTP ' + xhr.status + ').'
  }

  // Server errors, rate limits and lost connections are worth another try;
  // a refusal (4xx) is final until the user retries it.
  function isTransient (xhr) {
    return xhr.status === 0 || xhr.status === 429 || xhr.status >= 500
  }

  const uppy = new Uppy.Uppy({
    autoProceed: true,
    restrictions: {
      maxFileSize: Number(root.dataset.maxBytes) || null,
      allowedFileTypes: ACCEPTED,
    },
    // Folders carry hidden files (.DS_Store, ._resource forks); skip them
    // quietly rather than listing each as refused.
    onBeforeFileAdded: (file) => !file.name.startsWith('.'),
  })
    .use(Uppy.Dashboard, {
      target: '#uppy-dashboard',
      inline: true,
      width: '100%',
      height: 420,
      fileManagerSelectionType: 'both',
      showProgressDetails: true,
      proudlyDisplayPoweredByUppy: false,
      note: 'Files start uploading as soon as you add them.',
    })
    .use(Uppy.XHRUpload, {
      endpoint: root.dataset.endpoint,
      fieldName: 'file',
      headers: { 'X-CSRFToken': root.dataset.csrfToken },
      limit: 4,
      // Seconds without upload progress before giving up on a request;
      // large videos can pause while the server stores them.
      timeout: 120 * 1000,
      shouldRetry: isTransient,
      onAfterResponse: (xhr) => {
        if (xhr.status >= 400 && !isTransient(xhr)) {
          throw new Error(refusalReason(xhr))
        }
      },
    })

  // A row's id: by asset once the server took the file, by Uppy's file id
  // while it is refused.
  function rowId (assetId) {
    return 'upload-' + assetId.replace(/-/g, '')
  }

  function refusedRowId (file) {
    return 'refused-' + (file.id || file.name).replace(/[^A-Za-z0-9_-]/g, '_')
  }

  function placeRow (id) {
    let row = document.getElementById(id)
    if (!row) {
      row = document.createElement('li')
      row.id = id
      list.prepend(row)
    }
    section.hidden = false
    return row
  }

  function fillRow (row, fileName, badgeClass, badgeText, detail) {
    const thumb = document.createElement('span')
    thumb.className = 'upload-thumb'
    const name = document.createElement('span')
    name.className = 'upload-name'
    name.textContent = fileName
    const state = document.createElement('span')
    state.className = 'upload-state'
    const badge = document.createElement('span')
    badge.className = 'badge ' + badgeClass
    badge.textContent = badgeText
    state.append(badge)
    if (detail) {
      const reason = document.createElement('span')
      reason.className = 'upload-error'
      reason.textContent = detail
      state.append(reason)
    }
    row.replaceChildren(thumb, name, state)
  }

  function forgetRefusal (file) {
    if (!file) return
    const row = document.getElementById(refusedRowId(file))
    if (row) row.remove()
  }

  function showUploaded (file, body) {
    forgetRefusal(file)
    if (!body || !body.id) return
    const row = placeRow(rowId(body.id))
    row.className = 'upload-row state-uploaded'
    row.dataset.assetId = body.id
    row.dataset.state = 'uploaded'
    row.toggleAttribute('data-duplicate', Boolean(body.duplicate))
    row.toggleAttribute('data-unfinished', true)
    fillRow(row, file.name, 'badge-pending', 'Uploaded')
    htmx.trigger(poller, 'uploads-changed')
  }

  // Uppy marks the file as failed and keeps the reason in a tooltip; the
  // list repeats it in plain sight, next to the files that went through.
  function showRefused (file, error) {
    if (!file) return
    const row = placeRow(refusedRowId(file))
    row.className = 'upload-row state-refused'
    row.dataset.state = 'refused'
    fillRow(row, file.name, 'badge-failed', 'Not uploaded', error && error.message)
  }

  uppy.on('upload-success', (file, response) => showUploaded(file, response.body))
  uppy.on('upload-error', (file, error) => showRefused(file, error))
  // Files that Uppy itself turns away (a type or size the library does not
  // take) never reach the server; they are listed the same way. Skipped
  // hidden files are not user-facing, and a file already in the Dashboard
  // has its own entry.
  uppy.on('restriction-failed', (file, error) => {
    if (!file || error.isUserFacing === false) return
    if (file.id && uppy.getFile(file.id)) return
    showRefused(file, error)
  })
  uppy.on('upload-retry', (file) => forgetRefusal(file))
  uppy.on('retry-all', (files) => files.forEach(forgetRefusal))
  uppy.on('file-removed', (file) => forgetRefusal(file))

  // Asks the poller's request for the unfinished rows, oldest first: the
  // worker takes jobs in order, so those change first.
  document.body.addEventListener('htmx:configRequest', (event) => {
    if (event.detail.elt !== poller) return
    const rows = Array.from(list.querySelectorAll('[data-unfinished]'))
      .reverse()
      .slice(0, MAX_IDS_PER_POLL)
    const ids = rows.filter((row) => !row.hasAttribute('data-duplicate'))
    const duplicates = rows.filter((row) => row.hasAttribute('data-duplicate'))
    event.detail.parameters.ids = ids.map((row) => row.dataset.assetId).join(',')
    event.detail.parameters.duplicates = duplicates.map((row) => row.dataset.assetId).join(',')
  })

  // One line that counts the rows by state, so a long list reads at a glance.
  const SUMMARY = [
    ['ready', 'ready'],
    ['uploading', 'in progress'],
    ['failed', 'failed'],
    ['refused', 'not uploaded'],
    ['duplicate', 'already in the library'],
  ]

  function summarize () {
    const counts = {}
    for (const row of list.children) {
      let state = row.dataset.state
      if (row.hasAttribute('data-unfinished')) state = 'uploading'
      counts[state] = (counts[state] || 0) + 1
    }
    summary.textContent = SUMMARY
      .filter(([state]) => counts[state])
      .map(([state, label]) => counts[state] + ' ' + label)
      .join(' · ')
  }

  new MutationObserver(summarize).observe(list, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['data-state'],
  })

  window.damUploads = {
    uppy,
    unfinished: () => list.querySelector('[data-unfinished]') !== null,
  }
})()

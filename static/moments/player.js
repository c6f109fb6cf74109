// The asset page's player seeks to a moment: the one in the address (#t=83,
// as a search result links it) and any moment or frame clicked on the page.
;(function () {
  'use strict'

  function timeIn (hash) {
    const found = /^#(?:.*&)?t=(\d+(?:\.\d+)?)/.exec(hash)
    return found ? parseFloat(found[1]) : null
  }

  function seek (seconds, play) {
    const player = document.getElementById('player')
    if (!player) return
    const go = () => {
      player.currentTime = seconds
      if (play) player.play().catch(() => {})
    }
    if (player.readyState >= HTMLMediaElement.HAVE_METADATA) go()
    else player.addEventListener('loadedmetadata', go, { once: true })
  }

  const initial = timeIn(window.location.hash)
  if (initial !== null) seek(initial, false)

  window.addEventListener('hashchange', () => {
    const seconds = timeIn(window.location.hash)
    if (seconds !== null) seek(seconds, true)
  })

  // Delegated, so that links in a part of the page htmx swapped in work too.
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-seek]')
    if (!link) return
    event.preventDefault()
    window.history.replaceState(null, '', '#t=' + link.dataset.seek)
    seek(parseFloat(link.dataset.seek), true)
  })
})()

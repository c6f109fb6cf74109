// Behaviour shared by every page: the user menu closes on a click outside
// it or on Escape, as menus do; a video the browser cannot decode says so.
;(function () {
  'use strict'

  // A failed <source> reports on itself, not on the video; a video with no
  // playable source left is NETWORK_NO_SOURCE.
  function watchPlayback (video) {
    const fallback = document.getElementById(video.dataset.fallback)
    if (!fallback) return
    const showFallback = () => {
      video.hidden = true
      fallback.hidden = false
    }
    const sources = video.querySelectorAll('source')
    if (sources.length) sources[sources.length - 1].addEventListener('error', showFallback)
    video.addEventListener('error', showFallback)
    if (video.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) showFallback()
  }

  document.querySelectorAll('video[data-fallback]').forEach(watchPlayback)

  function closeMenus (except) {
    for (const menu of document.querySelectorAll('details.user-menu[open]')) {
      if (menu !== except) menu.removeAttribute('open')
    }
  }

  document.addEventListener('click', (event) => {
    closeMenus(event.target.closest('details.user-menu'))
  })
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeMenus(null)
  })
})()

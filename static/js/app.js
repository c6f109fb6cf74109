// Behaviour shared by every page: the user menu closes on a click outside
// it or on Escape, as menus do.
;(function () {
  'use strict'

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

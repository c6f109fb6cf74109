def service_state(request):
    """Banners about the state of the installation, for every page."""
    return {"service_banners": []}

"""A slip's picture as an ESC/POS job, built by python-escpos.

The job is: initialise (``ESC @``), the picture as raster bit images
(``GS v 0``, in bands python-escpos cuts at 960 dots), a feed past the tear
bar, and a partial cut (``GS V``) where the printer has a cutter: a partial
cut leaves the slip hanging from the mouth of a kiosk printer instead of
dropping it. python-escpos is imported here only when a job is built (its
printer database takes a moment to load); ``printing.library`` prepares it.
"""

from __future__ import annotations

import copy

from PIL import Image

from printing.library import escpos_printers

# python-escpos's generic profile, told the paper's width so it can check the picture.
PROFILE = "default"


def slip_job(picture: Image.Image, *, cut: bool) -> bytes:
    """The bytes that print ``picture`` (mode "1", as wide as the paper) and cut the slip."""
    printers = escpos_printers()
    job = printers.Dummy(profile=PROFILE)
    # The profile's data is shared by every printer of the class: change a copy.
    profile = copy.deepcopy(job.profile.profile_data)
    profile["media"]["width"]["pixels"] = picture.width
    job.profile.profile_data = profile
    job.hw("INIT")
    job.image(picture, impl="bitImageRaster")
    if cut:
        job.cut(mode="PART")
    else:
        job.print_and_feed(6)
    return bytes(job.output)

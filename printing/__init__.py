"""Printed slips on the kiosk's thermal printer: what a slip looks like, and the printer's protocol.

``slip`` is a slip's content as plain blocks (already in the citizen's
language); ``raster`` draws it with the bundled Hangul font into a 1-bit
picture as wide as the paper (58 mm: 384 dots, 80 mm: 576), the one picture
that both the printer and the PNG previews get, so Korean prints the same on
every printer whatever its code pages; ``commands`` turns the picture into an
ESC/POS job (python-escpos); ``status`` reads the printer's real-time status
replies; ``targets`` says where the printer is (network, USB, serial);
``printer`` opens it, asks, prints and asks again. No Qt, no store.
"""

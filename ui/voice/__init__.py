"""The kiosk's voice and keypad: speech engines and audio output, the keypad's focus ring,
what is read on each screen, voice mode (earphones, levels, privacy). See
docs/voice-and-keypad.md; the rules are plain Python in kiosk/keypad.py, kiosk/spoken.py,
kiosk/focus_order.py and kiosk/voice_levels.py."""

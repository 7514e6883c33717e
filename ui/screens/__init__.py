"""One module per screen or flow of the touch UI; each screen retranslates and wipes."""

"""The dialler: Sauti's outgoing calls (call-backs, acknowledgements) through Asterisk's AMI.

A service of its own beside the IVR, the ASR worker and the console (`sauti dialler`,
started by `sauti up`); it imports none of them and shares only `core/`.
"""

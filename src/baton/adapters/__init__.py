"""Peers' handoff formats, accepted as they are and run through the same engine.

botframework    Microsoft Bot Framework `handoff.initiate` (transcript attached) -> `handoff.status`
dialogflow_cx   Dialogflow CX webhook requests, `liveAgentHandoff` -> a Baton handoff
"""

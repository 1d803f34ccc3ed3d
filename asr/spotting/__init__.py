"""Keyword spotting by example: no speech model, only the verifiers' marked spans.

    features.mfcc(pcm, rate)            # MFCC, per-utterance CMVN (kaldi-native-fbank)
    dtw.search(query, recording)        # subsequence DTW, vectorised along the recording
    Spotter(...).scan(recording, examples)   # hits above each term's threshold

See docs/spotting.md.
"""

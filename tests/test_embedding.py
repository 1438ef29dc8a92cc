"""Ingest's encoder with the real model: the sentence vectors that quotes are picked by."""

import numpy as np

from index import Settings
from index.embedding import encode_passages, settings_model
from index.sentences import sentence_spans

SHORT = "They cancelled my service in the middle of the billing cycle. No prorated refund was ever given."


def test_each_sentence_vector_is_a_unit_vector_close_to_that_sentence_alone():
    settings = Settings.from_env()
    spans = sentence_spans(SHORT)
    assert len(spans) == 2
    _, [sentence_vectors] = encode_passages(settings.embed_model_path, [SHORT], [spans])
    model = settings_model(settings)
    own = np.array(model.get_text_embedding_batch([SHORT[a:b] for a, b in spans]))
    unrelated = np.array(model.get_text_embedding("Chase closed my checking account without notice."))
    for n, vector in enumerate(sentence_vectors):
        assert abs(np.linalg.norm(vector) - 1.0) < 1e-4
        assert own[n] @ vector > 0.7
        assert own[n] @ vector > unrelated @ vector + 0.2
        assert own[n] @ vector > own[1 - n] @ vector  # its own sentence, not the passage's average


def test_sentences_past_the_models_limit_have_no_vector_and_batching_changes_nothing():
    settings = Settings.from_env()
    # 40 sentences of ~20 tokens: well past all-MiniLM-L6-v2's 256-token window.
    long = " ".join(f"Letter {i} says the late fee of ${i}0 was never refunded to my account." for i in range(40))
    texts = [long, SHORT, "no sentence spans given"]
    spans = [sentence_spans(long), sentence_spans(SHORT), []]
    vectors, sentence_vectors = encode_passages(settings.embed_model_path, texts, spans)
    seen = [v is not None for v in sentence_vectors[0]]
    assert seen[0] and not seen[-1] and seen == sorted(seen, reverse=True)  # a prefix has vectors
    assert sentence_vectors[2] == [] and len(vectors[2]) == len(vectors[0])

    alone_vectors, [alone_sentences] = encode_passages(settings.embed_model_path, [SHORT], [spans[1]])
    assert np.abs(np.array(vectors[1]) - np.array(alone_vectors[0])).max() < 1e-5
    assert max(np.abs(a - b).max() for a, b in zip(sentence_vectors[1], alone_sentences)) < 1e-5


def test_tokenizing_ahead_on_a_thread_gives_the_same_vectors(monkeypatch):
    """The accelerator path tokenizes the next batch while the model runs; the vectors and
    their order must not depend on it (run here on CPU, many batches, texts of every length)."""
    from index import embedding

    settings = Settings.from_env()
    texts = [" ".join([SHORT] * (1 + i % 7)) + f" Complaint {i}." for i in range(50)]
    spans = [sentence_spans(t) for t in texts]
    in_line = encode_passages(settings.embed_model_path, texts, spans)
    monkeypatch.setattr(embedding, "tokenize_ahead", lambda device: True)
    ahead = encode_passages(settings.embed_model_path, texts, spans)
    assert np.abs(np.array(in_line[0]) - np.array(ahead[0])).max() < 1e-6
    assert all(len(a) == len(b) and all(np.abs(x - y).max() < 1e-6 for x, y in zip(a, b))
               for a, b in zip(in_line[1], ahead[1]))

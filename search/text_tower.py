"""Running CLIP's text tower on only the tokens a query has.

open_clip pads every text to 77 tokens and runs the transformer over all
of them. In CLIP's own text tower attention is causal and the feature is
read at the end-of-text token, so the padding after it cannot change the
result: cutting the sequence right after the longest text's last token
gives the same vector for a fraction of the work (a search query is
usually under 16 tokens).
"""

PAD_TOKEN = 0


def can_trim(model):
    """True for towers where trimming is exact: causal mask, argmax pool."""
    return (
        getattr(model, "attn_mask", None) is not None
        and getattr(model, "text_pool_type", None) == "argmax"
        and hasattr(model, "positional_embedding")
        and hasattr(model, "token_embedding")
    )


def encode_trimmed(model, tokens):
    """``model.encode_text(tokens, normalize=True)`` on the used tokens only."""
    import torch.nn.functional as F
    from open_clip.transformer import text_global_pool

    used = int((tokens != PAD_TOKEN).sum(dim=1).max())
    tokens = tokens[:, :used]
    cast_dtype = model.transformer.get_cast_dtype()

    x = model.token_embedding(tokens).to(cast_dtype)
    x = x + model.positional_embedding[:used].to(cast_dtype)
    x = model.transformer(x, attn_mask=model.attn_mask[:used, :used])
    x = model.ln_final(x)
    x = text_global_pool(x, tokens, "argmax")
    if model.text_projection is not None:
        if hasattr(model.text_projection, "weight"):
            x = model.text_projection(x)
        else:
            x = x @ model.text_projection

    return F.normalize(x, dim=-1)

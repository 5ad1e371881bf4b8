namespace ViGoR.DetectionOnnx.Tests;

public class TextTests
{
    private static readonly GroundingDinoTokenizer Vocab = GroundingDinoTokenizer.Load(Fixtures.HfModel);
    private static readonly GroundingDinoTokenizer Json = GroundingDinoTokenizer.Load(Fixtures.IdeaModel);

    [Fact]
    public void Prompt_has_bert_base_uncased_ids_from_vocab_txt_and_tokenizer_json()
    {
        // transformers' Grounding DINO docs: "a cat. a remote control." -> these ids.
        long[] expected = [101, 1037, 4937, 1012, 1037, 6556, 2491, 1012, 102];
        foreach (var tokenizer in new[] { Vocab, Json })
        {
            var chunk = Assert.Single(tokenizer.Plan(["a cat", "a remote control"], 256));
            Assert.Equal(expected, chunk.InputIds);
            Assert.Equal([new PhraseSpan(0, 1, 3), new PhraseSpan(1, 4, 7)], chunk.Spans);
        }
    }

    [Fact]
    public void Phrases_are_lower_cased_trimmed_and_deduplicated()
    {
        var (queries, originals) = PhraseList.Normalise(["  Cat. ", "cat", "", "Remote Control"]);
        Assert.Equal(["cat", "remote control"], queries);
        Assert.Equal(["  Cat. ", "Remote Control"], originals);
    }

    [Fact]
    public void Decode_glues_word_pieces_and_cleans_up_like_transformers()
    {
        Assert.Equal("remotes", Vocab.Decode([6556, 2015]));
        Assert.Equal("cat.", Vocab.Decode([4937, 1012]));
        Assert.Equal("..", Vocab.Decode([1012, 1012]));
        Assert.Equal("a remote control [SEP]", Vocab.Decode([1037, 6556, 2491, 102]));
        Assert.Equal(string.Empty, Vocab.Decode([]));
    }

    [Fact]
    public void Unknown_words_become_unk()
    {
        Assert.Equal([100], Vocab.Encode("zebra"));
        Assert.Equal([6556, 2015], Vocab.Encode("Remotes"));
    }

    [Fact]
    public void Sub_sentence_mask_and_position_ids_match_generate_masks_with_special_tokens()
    {
        // IDEA-Research's ONNX export example: "the running dog ." -> positions 0,0,1,2,3,0.
        var ids = Json.Plan(["the running dog"], 256)[0].InputIds;
        Assert.Equal([101, 1996, 2770, 3899, 1012, 102], ids);

        var (mask, positions) = SubSentenceMask.Build(ids, Json.SpecialIds);

        Assert.Equal([0, 0, 1, 2, 3, 0], positions);
        bool[,] expected =
        {
            { true, false, false, false, false, false },
            { false, true, true, true, true, false },
            { false, true, true, true, true, false },
            { false, true, true, true, true, false },
            { false, true, true, true, true, false },
            { false, false, false, false, false, true },
        };
        for (var r = 0; r < 6; r++)
        {
            for (var c = 0; c < 6; c++)
            {
                Assert.Equal(expected[r, c], mask[(r * 6) + c]);
            }
        }
    }

    [Fact]
    public void Sub_sentence_blocks_split_on_dot_and_question_mark()
    {
        long[] ids = [101, 4937, 1012, 1037, 3899, 1029, 1996, 1012, 102, 0];
        var (mask, positions) = SubSentenceMask.Build(ids, Json.SpecialIds);
        Assert.Equal([0, 0, 1, 0, 1, 2, 0, 1, 0, 0], positions);
        Assert.True(mask[(3 * 10) + 5]);
        Assert.False(mask[(2 * 10) + 3]);
        Assert.True(mask[(8 * 10) + 8]);  // [SEP] before padding is a block of its own
        Assert.False(mask[(8 * 10) + 7]);
        Assert.True(mask[(9 * 10) + 9]);  // padding attends to itself only
        Assert.Equal(1, Enumerable.Range(0, 10).Count(c => mask[(9 * 10) + c]));
    }

    [Fact]
    public void Long_phrase_lists_split_between_phrases_at_256_tokens()
    {
        // [CLS] + 251 + '.' = 253 tokens; "remote control ." and [SEP] would make 257.
        var longPhrase = string.Join(' ', Enumerable.Repeat("a", 250)) + " cat";
        var chunks = Vocab.Plan([longPhrase, "remote control", "dog"], 256);

        Assert.Equal(2, chunks.Count);
        Assert.Equal(1 + 251 + 1 + 1, chunks[0].InputIds.Length);
        Assert.Equal([new PhraseSpan(0, 1, 252)], chunks[0].Spans);
        Assert.Equal([101, 6556, 2491, 1012, 3899, 1012, 102], chunks[1].InputIds);
        Assert.Equal([new PhraseSpan(1, 1, 3), new PhraseSpan(2, 4, 5)], chunks[1].Spans);
        Assert.All(chunks, c => Assert.True(c.InputIds.Length <= 256));
    }

    [Fact]
    public void A_phrase_of_253_tokens_fills_256_exactly_and_254_is_refused()
    {
        var fits = string.Join(' ', Enumerable.Repeat("a", 253));
        Assert.Equal(256, Assert.Single(Vocab.Plan([fits], 256)).InputIds.Length);

        var e = Assert.Throws<ArgumentException>(() => Vocab.Plan([fits + " a"], 256));
        Assert.Contains("254 tokens", e.Message, StringComparison.Ordinal);
    }
}

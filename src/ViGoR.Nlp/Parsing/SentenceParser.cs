using System.Collections.Frozen;

namespace ViGoR.Nlp;

/// <summary>
/// Finds the visual noun mentions of one sentence: tokenises, tags each word from its WordNet
/// readings and its neighbours, merges multiword object names, chunks noun phrases, resolves
/// collective heads, reads counts, and marks negation and hedging scopes.
/// </summary>
/// <remarks>Immutable after construction; all per-call state lives in a <see cref="Scratch"/>, so one parser serves many threads.</remarks>
internal sealed class SentenceParser
{
    private const int MaxCollocationWords = 3;
    private const int MaxWordLength = 40;
    private readonly WordNetLexicon _lexicon;
    private readonly FrozenDictionary<string, LexicalKind> _kindOverrides;
    private readonly FrozenSet<string> _extraNouns;
    private readonly FrozenDictionary<string, Collocation>.AlternateLookup<ReadOnlySpan<char>> _collocations;
    private readonly FrozenDictionary<string, Tag>.AlternateLookup<ReadOnlySpan<char>> _closed = CuratedWords.Closed.GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _numbers = CuratedWords.Numbers.GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _hedgeCues = CuratedWords.HedgeCues.GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _negationCues = CuratedWords.NegationCues.GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _existence = CuratedWords.Existence.GetAlternateLookup<ReadOnlySpan<char>>();

    public SentenceParser(WordNetLexicon lexicon, FrozenDictionary<string, LexicalKind> kindOverrides, FrozenDictionary<string, Collocation> collocations)
    {
        _lexicon = lexicon;
        _kindOverrides = kindOverrides;
        _extraNouns = kindOverrides.Keys.Where(k => !k.Contains(' ', StringComparison.Ordinal)).ToFrozenSet(StringComparer.Ordinal);
        _collocations = collocations.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Appends the mentions of <c>text[start..end]</c> to <paramref name="output"/>. <paramref name="lower"/> is the lower-cased text.</summary>
    public void Parse(string text, ReadOnlySpan<char> lower, int start, int end, Scratch scratch, List<NounMention> output)
    {
        var count = Tokenize(text, lower, start, end, scratch);
        var tokens = scratch.Tokens.AsSpan(0, count);
        for (var i = 0; i < tokens.Length; i++)
        {
            Analyze(text, lower, ref tokens[i]);
        }

        count = MergeCollocations(lower, scratch, count);
        tokens = scratch.Tokens.AsSpan(0, count);
        TagAll(lower, tokens);
        var phrases = scratch.Phrases;
        phrases.Clear();
        Chunk(tokens, phrases);
        ResolvePartitives(lower, tokens, phrases);
        MarkScopes(lower, tokens, phrases);
        Emit(text, lower, tokens, phrases, output);
    }

    // ---------------------------------------------------------------- tokens

    private static int Tokenize(string text, ReadOnlySpan<char> lower, int start, int end, Scratch scratch)
    {
        var count = 0;
        var i = start;
        while (i < end)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (!char.IsLetterOrDigit(c))
            {
                scratch.Add(ref count) = new Token { Start = i, End = i + 1, Tag = Tag.Punctuation, Punctuation = lower[i], Value = -1 };
                i++;
                continue;
            }

            var j = i + 1;
            while (j < end)
            {
                var ch = lower[j];
                if (char.IsLetterOrDigit(ch))
                {
                    j++;
                }
                else if (j + 1 < end && char.IsLetterOrDigit(lower[j + 1]) &&
                    (ch is '-' or '\'' || (ch is '.' or ',' && char.IsAsciiDigit(lower[j - 1]) && char.IsAsciiDigit(lower[j + 1]))))
                {
                    j++;
                }
                else
                {
                    break;
                }
            }

            // Split clitics: "man's" -> man 's, "don't" -> do n't, "they're" -> they 're.
            var word = lower[i..j];
            var split = j;
            if (word.Length > 2 && word.EndsWith("n't"))
            {
                split = j - 3;
            }
            else if (word.Length > 2 && word[^2] == '\'')
            {
                split = j - 2;
            }
            else if (word.Length > 3 && word[^3] == '\'' && word[^2..] is "re" or "ve" or "ll")
            {
                split = j - 3;
            }

            scratch.Add(ref count) = new Token { Start = i, End = split, Value = -1 };
            if (split < j)
            {
                scratch.Add(ref count) = new Token { Start = split, End = j, Value = -1 };
            }

            i = j;
        }

        return count;
    }

    private void Analyze(string text, ReadOnlySpan<char> lower, ref Token t)
    {
        if (t.Tag == Tag.Punctuation)
        {
            return;
        }

        var word = lower[t.Start..t.End];
        t.IsCapitalized = char.IsUpper(text[t.Start]);
        if (char.IsAsciiDigit(word[0]))
        {
            t.Class = Tag.Number;
            t.Value = int.TryParse(word, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1;
            return;
        }

        if (_numbers.TryGetValue(word, out var number))
        {
            t.Class = Tag.Number;
            t.Value = number;
            return;
        }

        if (_closed.TryGetValue(word, out var closed))
        {
            t.Class = closed;
            return;
        }

        if (word.Length > MaxWordLength)
        {
            return; // URLs, hashes, run-together junk: no WordNet word is this long (morphology stack-allocates per word)
        }

        var readings = PartsOfSpeech.None;
        var hasNoun = Morphology.TryNoun(_lexicon, _extraNouns, word, out var lemma, out var kind, out var plural);
        if (hasNoun)
        {
            readings |= PartsOfSpeech.Noun;
            t.NounLemma = lemma;
            t.NounKind = kind;
            t.NounPlural = plural;
        }

        var form = Morphology.Verb(_lexicon, word, out var verbDominant);
        if (form != VerbForm.None)
        {
            readings |= PartsOfSpeech.Verb;
            t.VerbForm = form;
        }

        var known = _lexicon.TryGet(word, out var entry);
        if ((known && (entry.Pos & PartsOfSpeech.Adjective) != 0) || form is VerbForm.Past or VerbForm.Gerund)
        {
            readings |= PartsOfSpeech.Adjective;
        }

        if ((known && (entry.Pos & PartsOfSpeech.Adverb) != 0) || (word.Length > 4 && word.EndsWith("ly")))
        {
            readings |= PartsOfSpeech.Adverb;
        }

        if (readings == PartsOfSpeech.None && word.Contains('-'))
        {
            readings = PartsOfSpeech.Adjective; // "black-and-white", "well-maintained": modifiers
        }

        t.Readings = readings;
        t.AdjectiveDominant = known && entry.Dominant == PartsOfSpeech.Adjective;
        t.NounDominant = hasNoun && (known && (entry.Pos & PartsOfSpeech.Noun) != 0
            ? entry.Dominant == PartsOfSpeech.Noun
            : form == VerbForm.None || verbDominant == PartsOfSpeech.Noun);
    }

    private int MergeCollocations(ReadOnlySpan<char> lower, Scratch scratch, int count)
    {
        var tokens = scratch.Tokens;
        Span<char> buffer = stackalloc char[96];
        var write = 0;
        for (var i = 0; i < count; i++)
        {
            var merged = false;
            // "officers riding horses": a participle after a noun describes it and does not start a name ("riding horse").
            var participleAfterNoun = i > 0 && tokens[i - 1].Class == Tag.Other && tokens[i - 1].Can(PartsOfSpeech.Noun) &&
                lower[tokens[i].Start..tokens[i].End] is [.., 'i', 'n', 'g'] or [.., 'e', 'd'];
            if (tokens[i].Class == Tag.Other && tokens[i].Tag != Tag.Punctuation && !participleAfterNoun)
            {
                for (var length = Math.Min(MaxCollocationWords, count - i); length >= 2 && !merged; length--)
                {
                    var last = i + length - 1;
                    if (!Contiguous(lower, tokens, i, last) || tokens[last].Class != Tag.Other || tokens[last].Tag == Tag.Punctuation)
                    {
                        continue;
                    }

                    var prefix = lower[tokens[i].Start..tokens[last].Start];
                    var tail = tokens[last].NounLemma is { } l ? l.AsSpan() : lower[tokens[last].Start..tokens[last].End];
                    if (CuratedWords.PluralOnly.Contains(tokens[last].NounLemma ?? string.Empty))
                    {
                        tail = tail.EndsWith("ses") ? tail[..^2] : tail[..^1]; // "wine glasses" are wine glasses, not eyewear
                    }

                    if (prefix.Length + tail.Length > buffer.Length)
                    {
                        continue;
                    }

                    prefix.CopyTo(buffer);
                    tail.CopyTo(buffer[prefix.Length..]);
                    var key = buffer[..(prefix.Length + tail.Length)];
                    if (!_collocations.TryGetValue(key, out var collocation) && !_collocations.TryGetValue(lower[tokens[i].Start..tokens[last].End], out collocation))
                    {
                        continue;
                    }

                    var head = tokens[last];
                    tokens[write] = tokens[i];
                    ref var t = ref tokens[write];
                    t.End = head.End;
                    t.Readings = PartsOfSpeech.Noun;
                    t.NounLemma = collocation.Lemma;
                    t.NounKind = collocation.Kind;
                    t.NounPlural = head.NounPlural;
                    t.NounDominant = true;
                    t.IsCollocation = true;
                    t.VerbForm = VerbForm.None;
                    write++;
                    i = last;
                    merged = true;
                }
            }

            if (!merged)
            {
                tokens[write++] = tokens[i];
            }
        }

        return write;
    }

    private static bool Contiguous(ReadOnlySpan<char> lower, Token[] tokens, int first, int last)
    {
        for (var k = first; k < last; k++)
        {
            if (tokens[k + 1].Start != tokens[k].End + 1 || lower[tokens[k].End] != ' ' || tokens[k].Class != Tag.Other)
            {
                return false;
            }
        }

        return true;
    }

    // ---------------------------------------------------------------- tagging

    private static void TagAll(ReadOnlySpan<char> lower, Span<Token> tokens)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            ref var t = ref tokens[i];
            if (t.Tag == Tag.Punctuation)
            {
                continue;
            }

            var prev = i > 0 ? tokens[i - 1].Tag : Tag.Punctuation;
            if (t.Class != Tag.Other)
            {
                t.Tag = TagClosed(lower, tokens, i, prev);
                continue;
            }

            t.Tag = TagOpen(lower, tokens, i, prev);
        }
    }

    private static Tag TagClosed(ReadOnlySpan<char> lower, Span<Token> tokens, int i, Tag prev)
    {
        ref var t = ref tokens[i];
        var word = lower[t.Start..t.End];
        switch (t.Class)
        {
            case Tag.Number:
                if (word is "one" && !(i + 1 < tokens.Length && (tokens[i + 1].Can(PartsOfSpeech.Noun | PartsOfSpeech.Adjective) || Is(lower, tokens[i + 1], "of"))))
                {
                    return Tag.Pronoun;
                }

                return Tag.Number;
            case Tag.Be when word is "'s":
                return prev is Tag.Pronoun or Tag.Existential or Tag.Subordinator ? Tag.Be : Tag.Possessive;
            default:
                // Every other closed class is its own tag.
                return t.Class;
        }
    }

    private static Tag TagOpen(ReadOnlySpan<char> lower, Span<Token> tokens, int i, Tag prev)
    {
        ref var t = ref tokens[i];
        if (t.IsCapitalized && i > 0 && tokens[i - 1].Tag is not (Tag.Punctuation or Tag.Number) && !IsAcronym(lower, t))
        {
            return Tag.ProperNoun; // "the St. Louis Cardinals": names, not objects
        }

        var n = t.Can(PartsOfSpeech.Noun);
        var v = t.Can(PartsOfSpeech.Verb);
        var a = t.Can(PartsOfSpeech.Adjective);
        if (!n && !v && !a)
        {
            if (t.Can(PartsOfSpeech.Adverb))
            {
                return Tag.Adverb;
            }

            return t.IsCapitalized && i > 0 ? Tag.ProperNoun : Tag.Other;
        }

        if (n && !v && !a)
        {
            return Tag.Noun;
        }

        if (v && !n && !a)
        {
            return Tag.Verb;
        }

        var hasNext = i + 1 < tokens.Length;
        var next = hasNext ? tokens[i + 1] : default;
        var nextTag = hasNext ? (next.Class == Tag.Other ? Tag.Other : TagClosed(lower, tokens, i + 1, Tag.Other)) : Tag.Punctuation;
        if (hasNext && next.Tag == Tag.Punctuation)
        {
            nextTag = Tag.Punctuation;
        }

        var nextOpenNoun = hasNext && next.Class == Tag.Other && next.Can(PartsOfSpeech.Noun);
        var nextStartsObject = nextTag is Tag.Determiner or Tag.Quantifier or Tag.Number or Tag.Pronoun or Tag.Possessive;

        if (n && a && t.AdjectiveDominant && prev != Tag.Be && hasNext &&
            ((next.Class == Tag.Other && next.Tag != Tag.Punctuation && next.Can(PartsOfSpeech.Noun)) ||
             (next.Tag == Tag.Punctuation && next.Punctuation == ',' && i + 2 < tokens.Length && tokens[i + 2].Can(PartsOfSpeech.Adjective))))
        {
            return Tag.Adjective; // "in small herds"
        }

        switch (prev)
        {
            case Tag.Determiner or Tag.Quantifier or Tag.Number or Tag.Possessive or Tag.Adjective:
                if (n && a && nextTag == Tag.Conjunction && i + 2 < tokens.Length && tokens[i + 2].Can(PartsOfSpeech.Adjective) && !tokens[i + 2].NounDominant)
                {
                    return Tag.Adjective; // "an orange and white cat"
                }

                if (n && a && t.AdjectiveDominant && (hasNext && next.Class == Tag.Other && next.Tag != Tag.Punctuation || nextTag is Tag.Punctuation or Tag.Conjunction && hasNext && next.Punctuation is ',' or '\0'))
                {
                    return Tag.Adjective; // "a lush, grassy field", "a small remote-controlled plane"
                }

                return n ? Tag.Noun : a ? Tag.Adjective : Tag.Verb;

            case Tag.Noun or Tag.ProperNoun:
                if (!v)
                {
                    return n ? Tag.Noun : Tag.Adjective;
                }

                switch (t.VerbForm)
                {
                    case VerbForm.Gerund when n && !t.NounPlural && t.NounKind == LexicalKind.Thing && !nextStartsObject && nextTag != Tag.Preposition:
                        return Tag.Noun; // "a brick building." ("a man building a fence" has an object)
                    case VerbForm.Gerund or VerbForm.Past:
                        return Tag.Verb;
                    case VerbForm.ThirdSingular:
                        if (n && t.NounPlural && !tokens[i - 1].NounPlural && PhraseWantsPlural(lower, tokens, i - 1))
                        {
                            return Tag.Noun; // "two fancy lights": "two" needs a plural head
                        }

                        if (hasNext && lower[next.Start..next.End] is "out" or "up" or "down" or "off" or "away")
                        {
                            return Tag.Verb; // "the dress stands out"
                        }

                        if (nextStartsObject || nextTag is Tag.Adverb or Tag.Existential or Tag.Subordinator or Tag.To)
                        {
                            return Tag.Verb;
                        }

                        if (nextTag == Tag.Punctuation || !hasNext)
                        {
                            return n && t.NounDominant ? Tag.Noun : Tag.Verb; // "stone tiles," vs "the sun shines."
                        }

                        if (nextTag == Tag.Preposition)
                        {
                            return t.NounDominant ? Tag.Noun : Tag.Verb;
                        }

                        return n && (tokens[i - 1].NounPlural || t.NounDominant) ? Tag.Noun : Tag.Verb;
                    default:
                        if (tokens[i - 1].NounPlural && (nextStartsObject || nextTag is Tag.Preposition or Tag.Adverb or Tag.Punctuation))
                        {
                            return Tag.Verb;
                        }

                        return n ? Tag.Noun : Tag.Verb;
                }

            case Tag.To:
                if (v && t.VerbForm == VerbForm.Base && (!n || !t.NounDominant || nextStartsObject || !(i >= 2 && IsPrepositionalTo(lower, tokens[i - 2]))))
                {
                    return Tag.Verb;
                }

                return n ? Tag.Noun : a ? Tag.Adjective : Tag.Verb;

            case Tag.Pronoun or Tag.Modal or Tag.Do:
                return v ? Tag.Verb : a ? Tag.Adjective : Tag.Noun;

            case Tag.Subordinator when Is(lower, tokens[i - 1], "who") || Is(lower, tokens[i - 1], "which") || Is(lower, tokens[i - 1], "that"):
                return v ? Tag.Verb : a ? Tag.Adjective : Tag.Noun;

            case Tag.Adverb or Tag.Negation:
                if (n && t.NounPlural && i >= 2 && tokens[i - 2].Tag is Tag.Be or Tag.Existential or Tag.Preposition or Tag.Determiner)
                {
                    return Tag.Noun; // "there are also cups and bowls"
                }

                if (v && t.VerbForm is VerbForm.Gerund or VerbForm.Past or VerbForm.ThirdSingular)
                {
                    return Tag.Verb;
                }

                return a ? Tag.Adjective : n ? Tag.Noun : Tag.Verb;

            case Tag.Be:
                if (v && t.VerbForm is VerbForm.Gerund or VerbForm.Past)
                {
                    return Tag.Verb;
                }

                if (a && (!n || !t.NounDominant || !nextOpenNoun))
                {
                    return Tag.Adjective; // "are tall trees", "is white"
                }

                return n ? Tag.Noun : Tag.Verb;

            case Tag.Have:
                if (v && t.VerbForm == VerbForm.Past)
                {
                    return Tag.Verb;
                }

                return n ? Tag.Noun : a ? Tag.Adjective : Tag.Verb;

            case Tag.Verb:
                if (v && t.VerbForm == VerbForm.Gerund && (nextStartsObject || nextTag is Tag.Preposition or Tag.Adverb))
                {
                    return Tag.Verb; // "can be seen covering the entire height"
                }

                return n ? Tag.Noun : a ? Tag.Adjective : Tag.Verb;

            case Tag.Conjunction when i >= 2:
                var before = tokens[i - 2].Tag;
                if (before == Tag.Verb && v)
                {
                    return Tag.Verb;
                }

                if (before == Tag.Noun && n)
                {
                    return Tag.Noun;
                }

                if (before == Tag.Adjective && a)
                {
                    return Tag.Adjective;
                }

                break;
        }

        if (v && t.VerbForm == VerbForm.Gerund && (nextStartsObject || nextTag is Tag.Preposition or Tag.Adverb))
        {
            return Tag.Verb; // ", facing in the same direction"
        }

        if (n && (t.NounDominant || !v))
        {
            return Tag.Noun;
        }

        if (v && t.VerbForm == VerbForm.Gerund && !n)
        {
            return Tag.Verb;
        }

        return v ? Tag.Verb : a ? Tag.Adjective : Tag.Noun;
    }

    // Whether the noun phrase that <paramref name="last"/> ends opened with a plural determiner or a number above one.
    private static bool PhraseWantsPlural(ReadOnlySpan<char> lower, Span<Token> tokens, int last)
    {
        var k = last;
        while (k >= 0 && tokens[k].Tag is Tag.Noun or Tag.Adjective or Tag.Adverb)
        {
            k--;
        }

        if (k < 0)
        {
            return false;
        }

        ref readonly var first = ref tokens[k];
        return first.Tag == Tag.Number ? first.Value > 1
            : first.Tag is Tag.Determiner or Tag.Quantifier && lower[first.Start..first.End] is "several" or "many" or "multiple" or "various" or "numerous" or "these" or "those" or "few" or "both" or "two" or "some" or "all" or "other";
    }

    // "next to", "close to": "to" is a preposition, so what follows is a noun.
    private static bool IsPrepositionalTo(ReadOnlySpan<char> lower, in Token before) =>
        lower[before.Start..before.End] is "next" or "close" or "closer" or "due" or "adjacent" or "according" or "similar" or "attached" or "compared" or "up" or "down" or "back" or "home" or "way" or "nearby";

    // "TV", "SUV": capitalised because they are acronyms, not names.
    private static bool IsAcronym(ReadOnlySpan<char> lower, in Token t) => t.Length <= 8 && lower[t.Start..t.End] is "tv" or "suv" or "tvs" or "suvs" or "atv" or "t-shirt" or "t-shirts";

    private static bool Is(ReadOnlySpan<char> lower, in Token t, string word) => lower[t.Start..t.End].SequenceEqual(word);

    // ---------------------------------------------------------------- noun phrases

    private static void Chunk(Span<Token> tokens, List<Phrase> phrases)
    {
        var i = 0;
        while (i < tokens.Length)
        {
            var tag = tokens[i].Tag;
            if (tag is not (Tag.Determiner or Tag.Quantifier or Tag.Number or Tag.Possessive or Tag.Adjective or Tag.Noun))
            {
                i++;
                continue;
            }

            var j = i;
            var head = -1;
            while (j < tokens.Length)
            {
                var tj = tokens[j].Tag;
                if (tj is Tag.Determiner or Tag.Quantifier or Tag.Number or Tag.Possessive && head < 0 && (j == i || tj != Tag.Possessive))
                {
                    j++;
                }
                else if (tj == Tag.Adjective && head < 0)
                {
                    j++;
                }
                else if (tj == Tag.Noun)
                {
                    head = j;
                    j++;
                }
                else if (head < 0 && j > i && j + 1 < tokens.Length && tokens[j + 1].Tag == Tag.Adjective &&
                    (tj == Tag.Adverb || (tj is Tag.Conjunction or Tag.Punctuation && tokens[j - 1].Tag == Tag.Adjective)))
                {
                    j++; // "a very large dog", "a black and white cat", "a large, white dog"
                }
                else
                {
                    break;
                }
            }

            var end = head >= 0 ? head + 1 : j;
            phrases.Add(new Phrase { First = i, Head = head, End = end });
            i = end > i ? end : i + 1;
        }
    }

    private static void ResolvePartitives(ReadOnlySpan<char> lower, Span<Token> tokens, List<Phrase> phrases)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(phrases);
        for (var p = 0; p + 1 < span.Length; p++)
        {
            ref var outer = ref span[p];
            ref var inner = ref span[p + 1];
            if (outer.End >= tokens.Length || !Is(lower, tokens[outer.End], "of") || inner.First != outer.End + 1)
            {
                continue;
            }

            var multiplier = 0;
            if (outer.Head >= 0)
            {
                var lemma = tokens[outer.Head].NounLemma!;
                if (!CuratedWords.Collectives.TryGetValue(lemma, out multiplier) && !CuratedWords.Collectives.TryGetValue(lower[tokens[outer.Head].Start..tokens[outer.Head].End].ToString(), out multiplier))
                {
                    continue;
                }
            }

            outer.Dropped = true;
            inner.InheritedFrom = p;
            inner.Multiplier = multiplier == 0 ? 1 : multiplier;
            inner.OuterHasCount = multiplier > 0 || outer.Head < 0;
        }
    }

    // ---------------------------------------------------------------- negation and hedging

    private void MarkScopes(ReadOnlySpan<char> lower, Span<Token> tokens, List<Phrase> phrases)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(phrases);
        var clauseStart = 0;
        var negClause = false;
        var hedgeClause = false;
        var pendingNegation = false;
        var coordinatedNegation = false;
        var coordinatedHedge = false;
        var p = 0;
        var cueAt = -2;
        for (var i = 0; i < tokens.Length; i++)
        {
            ref var t = ref tokens[i];
            var word = lower[t.Start..t.End];
            // ", such as a boat," gives examples inside the clause: the scope goes on.
            var givesExamples = i + 1 < tokens.Length && (Is(lower, tokens[i + 1], "including") || (Is(lower, tokens[i + 1], "such") && i + 2 < tokens.Length && Is(lower, tokens[i + 2], "as")));
            if (givesExamples && coordinatedNegation)
            {
                pendingNegation = true; // "no other objects, such as a boat,": the examples are absent too
            }

            // "are not clearly visible and are possibly standing ...": "and" before a verb starts a new clause.
            var newPredicate = t.Tag == Tag.Conjunction && i + 1 < tokens.Length && (tokens[i + 1].Tag is Tag.Be or Tag.Have or Tag.Do or Tag.Modal or Tag.Pronoun or Tag.Existential ||
                (tokens[i + 1].Tag == Tag.Verb && tokens[i + 1].VerbForm is VerbForm.ThirdSingular or VerbForm.Past)); // "and posing" continues the predicate
            if ((IsBoundary(t, word) || newPredicate) && cueAt != i - 1 && !givesExamples)
            {
                negClause = hedgeClause = false;
                clauseStart = i + 1;
            }

            while (p < span.Length && span[p].First < i)
            {
                p++;
            }

            if (p < span.Length && span[p].First == i)
            {
                ref var phrase = ref span[p];
                var startsWithNo = Is(lower, tokens[i], "no") || Is(lower, tokens[i], "zero");
                var coordinated = coordinatedNegation && p > 0 && OnlyConjunctionsBetween(lower, tokens, span[p - 1].End, i, out var disjunctive) &&
                    (disjunctive || tokens[i].Tag is not (Tag.Determiner or Tag.Number) || startsWithNo || Is(lower, tokens[i], "any"));
                phrase.Negated |= negClause || pendingNegation || startsWithNo || coordinated;
                // "possibly spectators, friends, or fellow players": the whole list is in doubt.
                var hedgedList = coordinatedHedge && p > 0 && OnlyConjunctionsBetween(lower, tokens, span[p - 1].End, i, out _) && ListContinues(tokens, span[p]);
                phrase.Hedged |= hedgeClause || hedgedList;
                if (phrase.Head >= 0)
                {
                    coordinatedHedge = phrase.Hedged;
                }

                if (phrase.Head >= 0)
                {
                    // Headless phrases ("such" in "such as", "one of") neither use up nor end a negation.
                    coordinatedNegation = pendingNegation || startsWithNo || coordinated;
                    pendingNegation = false;
                }
                else if (startsWithNo)
                {
                    pendingNegation = true;
                }
            }

            if (t.Tag == Tag.Punctuation)
            {
                continue;
            }

            if (_negationCues.Contains(word))
            {
                cueAt = i;
                if (word is "without" or "lack" or "lacks" or "lacking" or "absence" or "devoid")
                {
                    pendingNegation = true;
                }
                else
                {
                    negClause = true;
                    if (word is "absent" || ExistenceFollows(lower, tokens, i))
                    {
                        MarkBack(span, clauseStart, i, negated: true);
                    }
                }
            }
            else if (IsHedgeCue(lower, tokens, i, word))
            {
                cueAt = i;
                hedgeClause = true;
                if (ExistenceFollows(lower, tokens, i))
                {
                    MarkBack(span, clauseStart, i, negated: false);
                }
            }
        }
    }

    private bool IsHedgeCue(ReadOnlySpan<char> lower, Span<Token> tokens, int i, ReadOnlySpan<char> word)
    {
        if (word is "looks" or "look" or "looked" or "looking")
        {
            return i + 1 < tokens.Length && Is(lower, tokens[i + 1], "like");
        }

        if (!_hedgeCues.Contains(word))
        {
            return false;
        }

        // "could be seen" reports what is visible: not a hedge.
        return !(word is "could" && i + 2 < tokens.Length && Is(lower, tokens[i + 1], "be") && Is(lower, tokens[i + 2], "seen"));
    }

    private bool ExistenceFollows(ReadOnlySpan<char> lower, Span<Token> tokens, int i)
    {
        for (var k = i + 1; k < tokens.Length && k <= i + 3; k++)
        {
            if (tokens[k].Tag == Tag.Punctuation)
            {
                return false;
            }

            if (_existence.Contains(lower[tokens[k].Start..tokens[k].End]))
            {
                return true;
            }
        }

        return false;
    }

    private static void MarkBack(Span<Phrase> phrases, int clauseStart, int cue, bool negated)
    {
        foreach (ref var phrase in phrases)
        {
            if (phrase.First >= clauseStart && phrase.First < cue)
            {
                if (negated)
                {
                    phrase.Negated = true;
                }
                else
                {
                    phrase.Hedged = true;
                }
            }
        }
    }

    private static bool IsBoundary(in Token t, ReadOnlySpan<char> word) =>
        t.Tag == Tag.Punctuation ? t.Punctuation is ',' or ';' or ':' or '(' or ')' or '[' or ']' or '—' or '–'
        : t.Tag == Tag.Subordinator || word is "but";

    // A list item ends where the next item or the clause does, not before a verb ("a dog, a cat is ..." is a new clause).
    private static bool ListContinues(Span<Token> tokens, in Phrase phrase) =>
        phrase.Head < 0 || phrase.End >= tokens.Length || tokens[phrase.End].Tag is Tag.Punctuation or Tag.Conjunction or Tag.Preposition;

    private static bool OnlyConjunctionsBetween(ReadOnlySpan<char> lower, Span<Token> tokens, int from, int to, out bool disjunctive)
    {
        disjunctive = false;
        var any = false;
        for (var k = from; k < to; k++)
        {
            if (tokens[k].Tag == Tag.Conjunction)
            {
                any = true;
                disjunctive |= Is(lower, tokens[k], "or") || Is(lower, tokens[k], "nor");
            }
            else if (!(tokens[k].Tag == Tag.Punctuation && tokens[k].Punctuation == ','))
            {
                return false;
            }
        }

        return any || to > from;
    }

    // ---------------------------------------------------------------- output

    private void Emit(string text, ReadOnlySpan<char> lower, Span<Token> tokens, List<Phrase> phrases, List<NounMention> output)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(phrases);
        for (var p = 0; p < span.Length; p++)
        {
            ref var phrase = ref span[p];
            phrase.Count = StatedCount(lower, tokens, phrase);
            if (phrase.InheritedFrom >= 0)
            {
                ref readonly var outer = ref span[phrase.InheritedFrom];
                phrase.Negated |= outer.Negated;
                phrase.Hedged |= outer.Hedged;
            }

            if (phrase.Head < 0 || phrase.Dropped)
            {
                continue;
            }

            ref readonly var head = ref tokens[phrase.Head];
            var lemma = head.NounLemma;
            if (lemma is null || head.Tag != Tag.Noun)
            {
                continue;
            }

            var count = phrase.Count;
            if (phrase.InheritedFrom >= 0)
            {
                var outerCount = span[phrase.InheritedFrom].Count;
                if (CuratedWords.PluralOnly.Contains(lemma) && phrase.Multiplier == 2)
                {
                    count ??= outerCount ?? 1; // "a pair of glasses" is one object
                }
                else if (phrase.OuterHasCount && count is null)
                {
                    count = outerCount is { } c ? c * phrase.Multiplier : null;
                    if (span[phrase.InheritedFrom].Head >= 0 && outerCount is null)
                    {
                        count = phrase.Multiplier; // "pairs of skis" without a number: at least one pair
                    }
                }
            }

            if (CuratedWords.PluralOnly.Contains(lemma) && (count >= 2 || (phrase.End < tokens.Length && Is(lower, tokens[phrase.End], "of"))))
            {
                lemma = Singular(lemma); // "two glasses of wine" are drinking glasses
            }

            if (head.AdjectiveDominant && !head.NounPlural && !head.IsCollocation && (head.Readings & PartsOfSpeech.Adjective) != 0)
            {
                continue; // "a large white", "the cozy": an adjective left without its noun
            }

            var counted = count is not null || head.NounPlural;
            if (!counted && CuratedWords.ColorNouns.Contains(lemma))
            {
                continue; // "a shade of orange" is a colour; "an orange" is a fruit
            }

            LexicalKind kind;
            if (head.NounPlural && CuratedWords.ThingsWhenPlural.Contains(lemma))
            {
                kind = LexicalKind.Thing;
            }
            else if (_kindOverrides.TryGetValue(lemma, out var overridden))
            {
                kind = overridden;
            }
            else
            {
                kind = head.NounKind;
                if (kind == LexicalKind.Stuff && counted)
                {
                    kind = LexicalKind.Thing; // "two glasses", "a light": counted stuff words name objects
                }
            }

            if (kind is not (LexicalKind.Thing or LexicalKind.Stuff))
            {
                continue;
            }

            output.Add(new NounMention(
                text[head.Start..head.End],
                lemma,
                kind == LexicalKind.Thing ? NounKind.Thing : NounKind.Stuff,
                count,
                phrase.Negated,
                phrase.Hedged && !phrase.Negated,
                head.Start,
                head.End));
        }
    }

    private string Singular(string plural)
    {
        var stem = plural.EndsWith("ses", StringComparison.Ordinal) ? plural.AsSpan(0, plural.Length - 2) : plural.AsSpan(0, plural.Length - 1);
        return _lexicon.TryGet(stem, out var e) ? e.Form : plural;
    }

    private static int? StatedCount(ReadOnlySpan<char> lower, Span<Token> tokens, in Phrase phrase)
    {
        var last = phrase.Head >= 0 ? phrase.Head : phrase.End;
        var singular = phrase.Head < 0 || !tokens[phrase.Head].NounPlural;
        int? count = null;
        for (var k = phrase.First; k < last; k++)
        {
            ref readonly var t = ref tokens[k];
            switch (t.Tag)
            {
                case Tag.Number:
                    count = t.Value > 0 ? (count == 1 && t.Value == 12 ? 12 : t.Value) : null;
                    break;
                case Tag.Determiner or Tag.Quantifier:
                    var word = lower[t.Start..t.End];
                    if (CuratedWords.CountingDeterminers.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out var value))
                    {
                        count = singular || value > 1 ? value : null;
                    }
                    else if (t.Tag == Tag.Quantifier && word is not ("other" or "additional" or "extra" or "different" or "assorted"))
                    {
                        return null; // "several", "some", "a few", "many": unknown ("two other people" stays two)
                    }

                    break;
            }
        }

        return count;
    }

    // ---------------------------------------------------------------- state

    /// <summary>A multiword object name and its kind.</summary>
    internal readonly record struct Collocation(string Lemma, LexicalKind Kind);

    internal struct Phrase
    {
        public int First;
        public int Head;
        public int End;
        public bool Dropped;
        public bool Negated;
        public bool Hedged;
        public int? Count;
        public int Multiplier;
        public bool OuterHasCount;
        public int InheritedFrom;

        public Phrase()
        {
            InheritedFrom = -1;
        }
    }

    /// <summary>Reusable per-thread buffers (the parser itself is shared).</summary>
    internal sealed class Scratch
    {
        public Token[] Tokens = new Token[256];
        public readonly List<Phrase> Phrases = new(64);
        public char[] Lower = new char[4096];
        public readonly List<(int Start, int End)> Sentences = new(32);
        public readonly List<NounMention> Mentions = new(32);

        public ref Token Add(ref int count)
        {
            if (count == Tokens.Length)
            {
                Array.Resize(ref Tokens, Tokens.Length * 2);
            }

            return ref Tokens[count++];
        }
    }
}

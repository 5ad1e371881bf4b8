using System.Collections.Concurrent;

namespace ViGoR;

/// <summary>
/// The memory of the caching decorators: answers by key, with a count of hits. A null key means
/// "do not cache this question". Thread-safe; two callers asking a new question at once may both
/// compute it, and the first answer stored wins.
/// </summary>
internal sealed class AnswerCache<TAnswer>
{
    private readonly ConcurrentDictionary<string, TAnswer> _answers = new(StringComparer.Ordinal);
    private long _hits;

    public long Hits => Interlocked.Read(ref _hits);

    public async Task<TAnswer> GetAsync(string? key, Func<Task<TAnswer>> compute)
    {
        if (key is not null && _answers.TryGetValue(key, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }

        var answer = await compute().ConfigureAwait(false);
        return key is null ? answer : _answers.GetOrAdd(key, answer);
    }

    /// <summary>Answers each question from memory or, for all the others together, with one call of <paramref name="computeBatch"/>.</summary>
    public async Task<IReadOnlyList<TAnswer>> GetBatchAsync<TQuestion>(IReadOnlyList<TQuestion> questions, Func<TQuestion, string?> key, Func<IReadOnlyList<TQuestion>, Task<IReadOnlyList<TAnswer>>> computeBatch)
    {
        ArgumentNullException.ThrowIfNull(questions);
        var keys = questions.Select(key).ToList();
        var answers = new TAnswer[questions.Count];
        var missing = new List<int>();
        for (var i = 0; i < questions.Count; i++)
        {
            if (keys[i] is { } k && _answers.TryGetValue(k, out var cached))
            {
                Interlocked.Increment(ref _hits);
                answers[i] = cached;
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            var computed = await computeBatch(missing.Select(i => questions[i]).ToList()).ConfigureAwait(false);
            for (var j = 0; j < missing.Count; j++)
            {
                answers[missing[j]] = keys[missing[j]] is { } k ? _answers.GetOrAdd(k, computed[j]) : computed[j];
            }
        }

        return answers;
    }
}

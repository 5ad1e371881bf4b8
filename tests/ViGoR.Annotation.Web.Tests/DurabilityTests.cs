using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ViGoR.Nlp;

namespace ViGoR.Annotation.Web.Tests;

public sealed class DurabilityTests : IAsyncDisposable
{
    private readonly ToolFolder _folder = new();

    public ValueTask DisposeAsync() => _folder.DisposeAsync();

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task An_acknowledged_label_is_in_the_file_and_the_file_validates()
    {
        using var client = await _folder.StartAsync();

        var saved = await Json(await client.PostAsJsonAsync("api/labels", new
        {
            id = "a-0",
            sentences = new[] { new { start = 0, end = 30, errors = Array.Empty<string>(), creative = false }, new { start = 31, end = 56, errors = new[] { "object_hallucination" }, creative = false } },
            detail = 3,
            missing = new[] { "triangle" },
        }));

        Assert.Equal((0, 1, 3), (saved.GetProperty("revision").GetInt32(), saved.GetProperty("done").GetInt32(), saved.GetProperty("total").GetInt32()));
        var file = Annotations.Read(_folder.Output, _folder.Images);
        var d = Assert.Single(file.Descriptions);
        Assert.Equal(("a-0", "a.png", 3, "triangle"), (d.Id, d.Image, d.Detail, d.Missing![0]));
        Assert.Equal([SentenceErrorKind.ObjectHallucination], d.Sentences[1].Errors);
    }

    [Fact]
    public async Task A_relabel_appends_a_revision_and_a_restart_resumes_at_the_first_unlabelled()
    {
        using (var client = await _folder.StartAsync())
        {
            await Json(await client.PostAsJsonAsync("api/labels", SecurityTests.Label("a-0", 0, 56)));
            var again = await Json(await client.PostAsJsonAsync("api/labels", SecurityTests.Label("a-0", 0, 56, "attribute")));
            Assert.Equal(1, again.GetProperty("revision").GetInt32());
        }

        using var restarted = await _folder.StartAsync();
        var session = await Json(await restarted.GetAsync("api/session"));
        var item = await Json(await restarted.GetAsync("api/items/0"));

        Assert.Equal((1, 1), (session.GetProperty("done").GetInt32(), session.GetProperty("first_unlabelled").GetInt32()));
        Assert.Equal(1, item.GetProperty("revision").GetInt32());
        Assert.Equal("attribute", item.GetProperty("sentences")[0].GetProperty("errors")[0].GetString());
        Assert.Equal(2, File.ReadAllLines(_folder.Output).Length); // the history stays in the file
        Assert.Equal([SentenceErrorKind.Attribute], Assert.Single(Annotations.Read(_folder.Output).Descriptions).Sentences[0].Errors);
    }

    [Fact]
    public async Task A_torn_last_line_is_cut_at_start_up()
    {
        using (var client = await _folder.StartAsync())
        {
            await Json(await client.PostAsJsonAsync("api/labels", SecurityTests.Label("a-1", 0, 23)));
        }

        await _folder.Server!.DisposeAsync();
        await File.AppendAllTextAsync(_folder.Output, "{\"id\":\"b-0\",\"image\":\"sub/b.png\",\"prom");

        using var restarted = await _folder.StartAsync();
        var session = await Json(await restarted.GetAsync("api/session"));

        Assert.Equal((1, 0), (session.GetProperty("done").GetInt32(), session.GetProperty("first_unlabelled").GetInt32()));
        Assert.Equal("a-1", Assert.Single(Annotations.Read(_folder.Output).Descriptions).Id);
    }

    [Fact]
    public async Task An_invalid_existing_output_stops_the_start_with_file_line_and_field()
    {
        await File.WriteAllTextAsync(_folder.Output, "{\"id\":\"a-1\",\"image\":\"a.png\",\"prompt\":\"p\",\"description\":\"x\",\"sentences\":[],\"detail\":9}\n");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => _folder.StartAsync());

        Assert.Equal($"{_folder.Output}, line 1, detail: expected an integer from 1 to 5, found 9", e.Message);
    }

    [Theory]
    [InlineData("""{"id":"a-1","sentences":[{"start":0,"end":99,"errors":[]}]}""", "the label of 'a-1', line 1, sentences[0].end: 99 is past the end of the description (23 characters)")]
    [InlineData("""{"id":"a-1","sentences":[{"start":0,"end":23,"errors":["color"]}]}""", "sentences[0].errors[0]: unknown error kind 'color'")]
    [InlineData("""{"id":"a-1","sentences":[{"start":0,"end":23,"errors":[]}],"detail":7}""", "detail: expected an integer from 1 to 5, found 7")]
    [InlineData("""{"id":"nope","sentences":[]}""", "needs the 'id' of a description of this session")]
    [InlineData("""not json""", "The body is not JSON")]
    public async Task An_invalid_label_gets_the_validators_message_and_nothing_is_written(string body, string expected)
    {
        using var client = await _folder.StartAsync();

        using var response = await client.PostAsync("api/labels", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(_folder.Output).Length);
    }

    [Fact]
    public async Task The_page_cannot_change_the_text_it_labels()
    {
        using var client = await _folder.StartAsync();

        await Json(await client.PostAsJsonAsync("api/labels", new { id = "a-1", description = "Something else.", image = "../secret.txt", sentences = new[] { new { start = 0, end = 15, errors = Array.Empty<string>() } } }));

        var d = Assert.Single(Annotations.Read(_folder.Output).Descriptions);
        Assert.Equal(("The background is blue.", "a.png"), (d.Description, d.Image));
    }

    [Fact]
    public async Task An_unlabelled_description_is_split_by_the_projects_splitter_and_assist_is_off_by_default()
    {
        using var client = await _folder.StartAsync();

        var item = await Json(await client.GetAsync("api/items/2"));

        var spans = item.GetProperty("sentences").EnumerateArray().Select(s => (s.GetProperty("start").GetInt32(), s.GetProperty("end").GetInt32())).ToList();
        Assert.Equal(SentenceSplitter.Split(ToolFolder.Items[2].Description), spans);
        Assert.Equal(2, spans.Count);
        Assert.Equal("images/sub/b.png", item.GetProperty("image_url").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("assist").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("api/items/3")).StatusCode);
    }

    [Fact]
    public async Task With_assist_the_journal_signals_are_shown()
    {
        var items = ToolFolder.Items.Select(i => i with { Assist = [new SentenceAssist(0, 30, ["square"], ["dog"], -1, "object_hallucination")] }).ToList();
        using var client = await _folder.StartAsync(new AnnotationToolOptions { Items = items, ImagesDirectory = _folder.Images, OutputPath = _folder.Output, Annotator = "ann", Assist = true });

        var assist = (await Json(await client.GetAsync("api/items/0"))).GetProperty("assist")[0];

        Assert.Equal(("square", "dog", "object_hallucination"), (assist.GetProperty("found")[0].GetString(), assist.GetProperty("missing")[0].GetString(), assist.GetProperty("reward_error").GetString()));
    }

    [Fact]
    public async Task Concurrent_saves_all_land_as_whole_lines()
    {
        using var client = await _folder.StartAsync();

        var saves = Enumerable.Range(0, 24).Select(i => client.PostAsJsonAsync("api/labels", SecurityTests.Label(ToolFolder.Items[i % 3].Id, 0, 23, i % 2 == 0 ? [] : ["location"])));
        foreach (var response in await Task.WhenAll(saves))
        {
            await Json(response);
        }

        var lines = await File.ReadAllLinesAsync(_folder.Output);
        Assert.Equal(24, lines.Length);
        Assert.Equal(3, Annotations.Read(_folder.Output).Descriptions.Count);
        var revisions = lines.Where(l => l.Contains("\"a-0\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.TryGetProperty("revision", out var r) ? r.GetInt32() : 0);
        Assert.Equal(Enumerable.Range(0, 8), revisions); // in file order: no two saves took the same revision
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace ViGoR.Annotation.Web.Tests;

public sealed class SecurityTests : IAsyncDisposable
{
    private readonly ToolFolder _folder = new();

    public ValueTask DisposeAsync() => _folder.DisposeAsync();

    [Fact]
    public async Task Images_under_the_folder_are_served_with_their_type()
    {
        using var client = await _folder.StartAsync();

        using var response = await client.GetAsync("images/sub/b.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_folder.Images, "sub", "b.png")), await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("images/..%2Fsecret.txt")]
    [InlineData("images/%2E%2E%2Fsecret.txt")]
    [InlineData("images/sub%2F..%2F..%2Fsecret.txt")]
    [InlineData("images/..%5Csecret.txt")]
    [InlineData("images/%2Fetc%2Fpasswd")]
    [InlineData("images/")]
    [InlineData("images/sub")]
    [InlineData("images/sub/")]
    [InlineData("images/missing.png")]
    public async Task Traversal_and_listing_get_nothing(string path)
    {
        using var client = await _folder.StartAsync();

        using var response = await client.GetAsync(new Uri(client.BaseAddress + path, UriKind.Absolute));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(ToolFolder.Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("b.png", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_dot_dot_segments_are_refused_too()
    {
        // HttpClient would collapse "../"; a raw request line shows what a hostile client can send.
        await _folder.StartAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _folder.Server!.Url.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /images/../secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        var response = await new StreamReader(stream).ReadToEndAsync();

        Assert.DoesNotContain(ToolFolder.Secret, response, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong", HttpStatusCode.Unauthorized)]
    [InlineData("s3cret-token-with-more", HttpStatusCode.Unauthorized)]
    [InlineData("s3cret-token", HttpStatusCode.OK)]
    public async Task With_a_token_every_request_needs_it(string? given, HttpStatusCode expected)
    {
        using var client = await _folder.StartAsync(_folder.Options(token: "s3cret-token"));
        foreach (var path in new[] { "", "app.js", "api/session", "api/items/0", "images/a.png" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (given is not null)
            {
                request.Headers.Add("X-Vigor-Token", given);
            }

            using var response = await client.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_token_in_the_address_becomes_a_strict_http_only_cookie()
    {
        using var client = await _folder.StartAsync(_folder.Options(token: "s3cret-token"));

        using var response = await client.GetAsync("?token=s3cret-token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("vigor-token=s3cret-token", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/session");
        request.Headers.Add("Cookie", "vigor-token=s3cret-token");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_post_without_the_token_is_refused_and_nothing_is_written()
    {
        using var client = await _folder.StartAsync(_folder.Options(token: "s3cret-token"));

        using var response = await client.PostAsJsonAsync("api/labels", Label("a-1", 0, 23));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, new FileInfo(_folder.Output).Length);
    }

    [Fact]
    public async Task Without_a_token_only_loopback_host_names_are_answered()
    {
        using var client = await _folder.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/session");
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var localhost = new HttpRequestMessage(HttpMethod.Get, "api/session");
        localhost.Headers.Host = $"localhost:{_folder.Server!.Url.Port}";
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(localhost)).StatusCode);
    }

    [Theory]
    [InlineData("http://attacker.example", null, HttpStatusCode.Forbidden)]
    [InlineData("null", null, HttpStatusCode.Forbidden)]
    [InlineData(null, "cross-site", HttpStatusCode.Forbidden)]
    [InlineData("SAME", null, HttpStatusCode.OK)]
    [InlineData(null, "same-origin", HttpStatusCode.OK)]
    public async Task A_post_must_come_from_the_same_origin(string? origin, string? fetchSite, HttpStatusCode expected)
    {
        using var client = await _folder.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/labels") { Content = JsonContent.Create(Label("a-1", 0, 23)) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin == "SAME" ? client.BaseAddress!.GetLeftPart(UriPartial.Authority) : origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK, new FileInfo(_folder.Output).Length > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_body_is_refused(bool chunked)
    {
        using var client = await _folder.StartAsync(_folder.Options(maxBody: 1024));
        var big = "{\"id\":\"a-1\",\"missing\":[\"" + new string('x', 4096) + "\"]}";
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)))
            : new StringContent(big, Encoding.UTF8, "application/json");
        if (chunked)
        {
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/labels") { Content = content };
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, new FileInfo(_folder.Output).Length);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.0.2.10")]
    public async Task A_non_loopback_bind_without_a_token_is_refused_at_start_up(string host)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            AnnotationServer.StartAsync(_folder.Options(), new AnnotationServerOptions { Host = host, Port = 0 }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));

        Assert.Contains($"Refusing to listen on {host} without a token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_comparison_is_exact()
    {
        Assert.True(AnnotationToolSecurity.TokenEquals("abc", "abc"));
        Assert.False(AnnotationToolSecurity.TokenEquals("abd", "abc"));
        Assert.False(AnnotationToolSecurity.TokenEquals("ab", "abc"));
        Assert.False(AnnotationToolSecurity.TokenEquals(string.Empty, "abc"));
    }

    internal static object Label(string id, int start, int end, params string[] errors) =>
        new { id, sentences = new[] { new { start, end, errors, creative = false } } };
}

public sealed class ImagePathTests : IAsyncDisposable
{
    private readonly ToolFolder _folder = new();

    public ValueTask DisposeAsync() => _folder.DisposeAsync();

    [Theory]
    [InlineData("../secret.txt")]
    [InlineData("sub/../../secret.txt")]
    [InlineData("..\\secret.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("ROOT/../secret.txt")]
    [InlineData("")]
    [InlineData("sub")]
    [InlineData("sub/")]
    [InlineData("../images2/x.png")]
    public void Paths_that_leave_the_images_folder_or_name_a_folder_resolve_to_nothing(string path)
    {
        // What routing hands over after decoding: the check must hold whatever the server in front normalises.
        // images2 shares the images folder's name as a prefix: "starts with the root" alone would let it through.
        Directory.CreateDirectory(Path.Combine(_folder.Root, "images2"));
        File.WriteAllText(Path.Combine(_folder.Root, "images2", "x.png"), "x");

        Assert.Null(AnnotationToolEndpoints.ResolveImage(_folder.Images, path.Replace("ROOT", _folder.Images, StringComparison.Ordinal)));
    }

    [Fact]
    public void A_symbolic_link_under_the_images_folder_is_followed_and_must_stay_inside()
    {
        var outside = Path.Combine(_folder.Root, "secret.png");
        File.WriteAllText(outside, "secret");
        File.CreateSymbolicLink(Path.Combine(_folder.Images, "leak.png"), outside);
        Directory.CreateSymbolicLink(Path.Combine(_folder.Images, "up"), _folder.Root);
        File.CreateSymbolicLink(Path.Combine(_folder.Images, "alias.png"), Path.Combine(_folder.Images, "a.png"));

        Assert.Null(AnnotationToolEndpoints.ResolveImage(_folder.Images, "leak.png"));
        Assert.Null(AnnotationToolEndpoints.ResolveImage(_folder.Images, "up/secret.png"));
        Assert.NotNull(AnnotationToolEndpoints.ResolveImage(_folder.Images, "alias.png"));
    }

    [Theory]
    [InlineData("a.png")]
    [InlineData("sub/b.png")]
    [InlineData("sub/../a.png")]
    public void Files_under_the_images_folder_resolve(string path) =>
        Assert.NotNull(AnnotationToolEndpoints.ResolveImage(_folder.Images, path));
}

public sealed class HostedToolTests : IAsyncDisposable
{
    private readonly ToolFolder _folder = new();

    public ValueTask DisposeAsync() => _folder.DisposeAsync();

    [Fact]
    public async Task An_app_hosts_the_tool_under_a_prefix_beside_its_own_endpoints()
    {
        using var tool = AnnotationTool.Open(_folder.Options(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapAnnotationTool(tool, "/annotate");
        await app.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.Urls.First()) };

        using var bare = await client.GetAsync("/annotate?x=1");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/annotate/?x=1", bare.Headers.Location!.OriginalString); // relative requests of the page need the slash
        Assert.Contains("vigor annotate", await client.GetStringAsync("/annotate/"), StringComparison.Ordinal);
        Assert.Contains("\"total\":3", await client.GetStringAsync("/annotate/api/session"), StringComparison.Ordinal);
        Assert.Equal("ok", await client.GetStringAsync("/health"));
        await app.StopAsync();
    }
}

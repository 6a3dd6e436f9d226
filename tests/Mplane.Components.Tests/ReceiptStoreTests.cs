using Mplane.Components.Client;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.Testing;

namespace Mplane.Components.Tests;

public sealed class ReceiptStoreTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("receipts");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_receipt_is_kept_whole_in_a_private_file_and_found_listed_and_forgotten_by_its_token()
    {
        var store = new ReceiptStore(_directory.Combine("state", "client"));
        var url = new Uri("https://127.0.0.1:8890/");
        await store.SaveAsync(new StoredReceipt(Receipt("0123abcd"), url, DateTimeOffset.UnixEpoch), TestTimeout.Token);
        await store.SaveAsync(new StoredReceipt(Receipt("later"), url, DateTimeOffset.UnixEpoch.AddHours(1)), TestTimeout.Token);

        var found = await store.FindAsync("0123abcd", TestTimeout.Token);
        Assert.NotNull(found);
        Assert.Equal((MessageCodec.Write(Receipt("0123abcd")), url), (MessageCodec.Write(found.Receipt), found.Url));
        Assert.Equal(["0123abcd", "later"], (await store.ListAsync(TestTimeout.Token)).Select(r => r.Token));
        Assert.Equal(["0123abcd.json", "later.json"], Directory.EnumerateFileSystemEntries(store.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)); // no temporary left
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(store.Folder, "later.json")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(store.Folder));

        store.Remove("0123abcd");
        Assert.Null(await store.FindAsync("0123abcd", TestTimeout.Token));
        Assert.Equal("later", Assert.Single(await store.ListAsync(TestTimeout.Token)).Token);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("dot.json")]
    public async Task A_token_that_could_name_another_path_names_nothing(string token)
    {
        var store = new ReceiptStore(_directory.Path);
        Assert.False(ReceiptStore.IsToken(token));
        await Assert.ThrowsAsync<ArgumentException>(() => store.FindAsync(token, TestTimeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(new StoredReceipt(Receipt(token), new Uri("https://h:1/"), DateTimeOffset.UnixEpoch), TestTimeout.Token));
        Assert.Throws<ArgumentException>(() => store.Remove(token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory.Path));
    }

    [Fact]
    public async Task A_damaged_file_is_named()
    {
        var store = new ReceiptStore(_directory.Path);
        await File.WriteAllTextAsync(_directory.Combine("abc.json"), "{\"url\": \"https://h:1/\"}", TestTimeout.Token);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.FindAsync("abc", TestTimeout.Token));
        Assert.StartsWith(_directory.Combine("abc.json") + ": not a stored receipt", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/x/state", "/home/u", "/x/state/mplane/client")]
    [InlineData("relative", "/home/u", "/home/u/.local/state/mplane/client")]
    [InlineData(null, "/home/u", "/home/u/.local/state/mplane/client")]
    public void The_default_folder_follows_XDG(string? xdg, string home, string expected) =>
        Assert.Equal(expected, ReceiptStore.DefaultFolder(name => name switch { "XDG_STATE_HOME" => xdg, "HOME" => home, _ => null }));

    private static Statement Receipt(string token) => new(MessageKind.Receipt, "measure")
    {
        Registry = RegistryCatalog.CoreUri,
        When = "now + 1h",
        Label = "ping-slow-0",
        Token = token,
        Parameters = new Dictionary<string, string> { ["destination.ip4"] = "10.0.0.1" },
    };
}

using Mplane.Components.Runtime;
using Mplane.Protocol.Matching;
using Mplane.Protocol.Messages;
using Mplane.Protocol.Registries;
using Mplane.RepositoryProxy;
using Mplane.Testing;
using Newtonsoft.Json.Linq;
using Xunit;

namespace Mplane.RepositoryProxy.Tests;

/// <summary>repository-list_tables and repository-query_view over a real warehouse holding the Tstat samples.</summary>
public sealed class WarehouseServicesTests(WarehouseProxyFixture fixture) : IClassFixture<WarehouseProxyFixture>
{
    private static readonly SpecificationCheck Check = new(new RegistryCatalog());

    private QueryViewService QueryView(long maxBytes = 1 << 20) =>
        new(new ViewReader(fixture.Database.DataSource), new QueryViewSettings(1000, maxBytes), WarehouseProxyFixture.Metadata);

    [Fact]
    public async Task List_tables_reports_each_continuous_table_with_its_rows_and_range()
    {
        var service = new ListTablesService(fixture.Database.DataSource, WarehouseProxyFixture.Metadata);
        var result = await service.RunAsync(Specify(service.Capability, "now", []), TestTimeout.Token);

        Assert.Equal(MessageKind.Result, result.Kind);
        var row = Assert.Single(result.ResultValues);
        Assert.Equal(["public.log_tcp_complete", "base", "300", "3", "495"], row.Take(5));
        Assert.Equal("2015-02-27 22:30:00.000000", row[6]);
        Assert.Equal("2015-02-28 00:35:00.000000", row[7]);
    }

    [Fact]
    public async Task Query_view_returns_the_rows_of_the_scope_that_pass_the_filter_in_time_order()
    {
        var service = QueryView();
        var result = await service.RunAsync(
            Specify(service.Capability, "2015-02-27 22:30:00 ... 2015-02-27 22:35:00", ("repository.view", "log_tcp_complete"), ("repository.filter", "s_port == 443 && c_ip in 0.0.0.0/0"), ("repository.limit", "1000")),
            TestTimeout.Token);

        Assert.Equal(110, result.ResultValues.Count);
        Assert.All(result.ResultValues, row =>
        {
            Assert.Equal("2015-02-27 22:30:00.000000", row[0]);
            var columns = JObject.Parse(row[1]);
            Assert.Equal(443, (int)columns["s_port"]!);
            Assert.Null(columns["serial_time"]); // the window time is the start column, not repeated
        });
        Assert.Equal("2015-02-27 22:30:00.000000 ... 2015-02-27 22:35:00.000000", result.When);
    }

    [Fact]
    public async Task Patterns_match_addresses_and_times_as_they_are_written()
    {
        var service = QueryView();
        async Task<int> Count(string filter) => (await service.RunAsync(
            Specify(service.Capability, "past ... now", ("repository.view", "log_tcp_complete"), ("repository.filter", filter), ("repository.limit", "1000")), TestTimeout.Token)).ResultValues.Count;

        var address = await fixture.Database.ScalarAsync<string>("SELECT host(c_ip) FROM log_tcp_complete ORDER BY first LIMIT 1");
        var expected = (int)await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM log_tcp_complete WHERE c_ip = $1::inet", address);
        Assert.Equal(expected, await Count($"c_ip ~ \"{address}\""));
        Assert.Equal(expected, await Count($"c_ip =~ \"^{address.Replace(".", "\\.", StringComparison.Ordinal)}$\""));
        Assert.Equal(expected, await Count($"c_ip == {address}"));
        Assert.Equal(165, await Count("serial_time ~ \"2015-02-27T22:30:*Z\""));
    }

    [Fact]
    public async Task Query_view_refuses_a_single_instant_and_reads_the_limit_as_the_check_does()
    {
        var service = QueryView();
        var instant = await Assert.ThrowsAsync<ServiceException>(() => service.RunAsync(
            Specify(service.Capability, "now", ("repository.view", "log_tcp_complete"), ("repository.filter", "all"), ("repository.limit", "10")), TestTimeout.Token));
        Assert.Contains("single instant", instant.Message, StringComparison.Ordinal);
        var result = await service.RunAsync(
            Specify(service.Capability, "past ... now", ("repository.view", "log_tcp_complete"), ("repository.filter", "all"), ("repository.limit", "1e1")), TestTimeout.Token);
        Assert.Equal(10, result.ResultValues.Count);
    }

    [Fact]
    public async Task Query_view_honours_the_row_limit_and_an_absent_filter()
    {
        var service = QueryView();
        var result = await service.RunAsync(
            Specify(service.Capability, "past ... now", ("repository.view", "public.log_tcp_complete"), ("repository.filter", "all"), ("repository.limit", "7")), TestTimeout.Token);
        Assert.Equal(7, result.ResultValues.Count);
        Assert.Equal("2015-02-27 22:30:00.000000", result.ResultValues[0][0]);
    }

    [Fact]
    public async Task Query_view_refuses_what_it_cannot_answer_and_says_which_parameter()
    {
        var service = QueryView();
        Task<Statement> Run(string view, string filter, string limit = "10") =>
            service.RunAsync(Specify(service.Capability, "past ... now", ("repository.view", view), ("repository.filter", filter), ("repository.limit", limit)), TestTimeout.Token);

        var unknownColumn = await Assert.ThrowsAsync<ServiceException>(() => Run("log_tcp_complete", "nope > 3"));
        Assert.StartsWith("repository.filter: unknown column 'nope'", unknownColumn.Message, StringComparison.Ordinal);
        var badValue = await Assert.ThrowsAsync<ServiceException>(() => Run("log_tcp_complete", "c_ip == 'x'"));
        Assert.Contains("'x' is not a value for column 'c_ip'", badValue.Message, StringComparison.Ordinal);
        var injection = await Assert.ThrowsAsync<ServiceException>(() => Run("log_tcp_complete; DROP TABLE x", "all"));
        Assert.StartsWith("repository.view: table name", injection.Message, StringComparison.Ordinal);
        var unknownTable = await Assert.ThrowsAsync<ServiceException>(() => Run("pg_class", "all"));
        Assert.Equal("repository.view: no continuous table public.pg_class", unknownTable.Message);

        // A literal full of SQL stays a value: it matches nothing and breaks nothing.
        Assert.Empty((await Run("log_tcp_complete", "c_ip ~ \"'; DROP TABLE log_tcp_complete; --\"")).ResultValues);
        Assert.Equal(495L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM log_tcp_complete"));
    }

    [Fact]
    public async Task Query_view_refuses_a_result_over_the_size_limit_rather_than_cutting_it()
    {
        var service = QueryView(maxBytes: 2000);
        var error = await Assert.ThrowsAsync<ServiceException>(() => service.RunAsync(
            Specify(service.Capability, "past ... now", ("repository.view", "log_tcp_complete"), ("repository.filter", "all"), ("repository.limit", "100")), TestTimeout.Token));
        Assert.Contains("would exceed 2000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_row_limit_is_a_constraint_checked_before_anything_runs()
    {
        var service = QueryView();
        var problems = Check.Problems(service.Capability, Unchecked(service.Capability, "past ... now", ("repository.view", "v"), ("repository.filter", "all"), ("repository.limit", "5000")), DateTimeOffset.UtcNow);
        Assert.Contains(problems, p => p.Contains("repository.limit", StringComparison.Ordinal));
    }

    /// <summary>A specification of <paramref name="capability"/>, checked as the runtime checks it (every name resolves in the shipped registries).</summary>
    internal static Statement Specify(Statement capability, string when, params (string Name, string Value)[] parameters)
    {
        var specification = Unchecked(capability, when, parameters);
        var problems = Check.Problems(capability, specification, DateTimeOffset.UtcNow);
        return problems.Count == 0 ? specification : throw new InvalidOperationException(string.Join("; ", problems));
    }

    /// <summary>A specification of <paramref name="capability"/> as given, for what the check must refuse.</summary>
    internal static Statement Unchecked(Statement capability, string when, params (string Name, string Value)[] parameters) => capability with
    {
        Kind = MessageKind.Specification,
        When = when,
        Token = Guid.NewGuid().ToString("N"),
        Parameters = parameters.ToDictionary(p => p.Name, p => p.Value),
    };
}

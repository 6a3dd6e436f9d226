namespace Mplane.Math.Repo;

/// <summary>The parts of a running math_repo that its endpoints use.</summary>
public sealed record RepoServices(SpoolStore Store, HandlerQueue Queue, PullImports Pull, CollectionRegistry Collections);

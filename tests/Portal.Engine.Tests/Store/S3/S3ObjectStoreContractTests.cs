namespace Portal.Engine.Tests.Store.S3;

using Portal.Engine.Store;

public sealed class S3ObjectStoreContractTests : ObjectStoreContractTests
{
    private S3TestStore? _s3;

    public override void Dispose() => _s3?.Dispose();

    internal override IObjectStore CreateStore() => (_s3 = new S3TestStore()).Store;
}

/// <summary>The same contract with small objects packed: what a capture commits is readable and listed before its pack is sent.</summary>
public sealed class S3PackedObjectStoreContractTests : ObjectStoreContractTests
{
    private S3TestStore? _s3;

    public override void Dispose() => _s3?.Dispose();

    internal override IObjectStore CreateStore() => (_s3 = new S3TestStore(packObjectsUpToKiB: 1024)).Store;
}

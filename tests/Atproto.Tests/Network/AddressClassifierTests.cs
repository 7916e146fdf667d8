using System.Net;
using Jetstream.Atproto.Network;

namespace Jetstream.Atproto.Tests.Network;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("8.8.8.8", AddressRange.Public)]
    [InlineData("1.1.1.1", AddressRange.Public)]
    [InlineData("172.32.0.1", AddressRange.Public)]
    [InlineData("100.128.0.1", AddressRange.Public)]
    [InlineData("2606:4700::1111", AddressRange.Public)]
    [InlineData("127.0.0.1", AddressRange.Loopback)]
    [InlineData("127.255.255.254", AddressRange.Loopback)]
    [InlineData("::1", AddressRange.Loopback)]
    [InlineData("10.1.2.3", AddressRange.Private)]
    [InlineData("172.16.0.1", AddressRange.Private)]
    [InlineData("172.31.255.255", AddressRange.Private)]
    [InlineData("192.168.1.1", AddressRange.Private)]
    [InlineData("fec0::1", AddressRange.Private)]
    [InlineData("169.254.169.254", AddressRange.LinkLocal)]
    [InlineData("fe80::1", AddressRange.LinkLocal)]
    [InlineData("fc00::1", AddressRange.UniqueLocal)]
    [InlineData("fd12:3456::1", AddressRange.UniqueLocal)]
    [InlineData("100.64.0.1", AddressRange.CarrierGradeNat)]
    [InlineData("100.127.255.255", AddressRange.CarrierGradeNat)]
    [InlineData("224.0.0.1", AddressRange.Multicast)]
    [InlineData("ff02::1", AddressRange.Multicast)]
    [InlineData("0.0.0.0", AddressRange.Unspecified)]
    [InlineData("0.1.2.3", AddressRange.Unspecified)]
    [InlineData("::", AddressRange.Unspecified)]
    [InlineData("255.255.255.255", AddressRange.Reserved)]
    [InlineData("240.0.0.1", AddressRange.Reserved)]
    [InlineData("192.0.2.1", AddressRange.Reserved)]
    [InlineData("198.18.0.1", AddressRange.Reserved)]
    [InlineData("2001:db8::1", AddressRange.Reserved)]
    public void Address_is_sorted_into_its_range(string address, AddressRange expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::ffff:127.0.0.1", AddressRange.Loopback)]
    [InlineData("::ffff:10.0.0.1", AddressRange.Private)]
    [InlineData("::ffff:169.254.169.254", AddressRange.LinkLocal)]
    [InlineData("::ffff:8.8.8.8", AddressRange.Public)]
    [InlineData("64:ff9b::a00:1", AddressRange.Private)]
    [InlineData("64:ff9b::808:808", AddressRange.Public)]
    [InlineData("2002:7f00:1::1", AddressRange.Loopback)]
    [InlineData("::7f00:1", AddressRange.Reserved)]
    public void IPv6_forms_carrying_an_IPv4_address_are_judged_by_that_address(string address, AddressRange expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));
}

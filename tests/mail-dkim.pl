#!/usr/bin/perl
# mail-dkim.pl - a second independent DKIM verifier for the tests: Perl
# Mail::DKIM (Debian libmail-dkim-perl), with DNS answers from a local file
# of "selector._domainkey.domain TXT-content" lines (tests/dkimpy.py's).
#   mail-dkim.pl KEYS FILE ALG   exit 0 when every signature with a=ALG
#                                passes (and there is one); prints results
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS;

my ($keys, $file, $alg) = @ARGV;
die "usage: mail-dkim.pl KEYS FILE ALG\n" unless defined $alg;
my %txt;
open(my $k, '<', $keys) or die "$keys: $!\n";
while (<$k>) {
	next if /^\s*(#|$)/;
	my ($name, $t) = /^(\S+)\s+(.*?)\s*$/ or next;
	$name =~ s/\.$//;
	$txt{lc $name} = $t;
}
close $k;

{
	no warnings 'redefine';
	# No network: the records come from the file, as dkimpy.py does.
	*Mail::DKIM::DNS::query = sub {
		my ($domain, $type) = @_;
		$domain =~ s/\.$//;
		my $t = $txt{lc $domain};
		if (!defined $t || uc $type ne 'TXT') {
			$@ = 'NXDOMAIN';
			return;
		}
		my @chunks = unpack('(A255)*', $t);
		return Net::DNS::RR->new(name => $domain, type => 'TXT',
		    txtdata => \@chunks);
	};
}

my $dkim = Mail::DKIM::Verifier->new();
open(my $m, '<', $file) or die "$file: $!\n";
while (<$m>) {
	s/\r?\n\z/\r\n/;	# Mail::DKIM wants CRLF
	$dkim->PRINT($_);
}
close $m;
$dkim->CLOSE();
my ($seen, $bad) = (0, 0);
foreach my $sig ($dkim->signatures) {
	my $a = $sig->algorithm;
	printf "%s %s%s\n", $a, $sig->result, $sig->result_detail ne $sig->result ?
	    ' (' . $sig->result_detail . ')' : '';
	next unless $a eq $alg;
	$seen++;
	$bad++ unless $sig->result eq 'pass';
}
exit($seen && !$bad ? 0 : 1);

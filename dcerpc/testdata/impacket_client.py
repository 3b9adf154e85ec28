# Drives zsmbd's dcerpc package with impacket's DCE/RPC client over
# ncacn_ip_tcp (the same connection-oriented PDUs as on a named pipe).
# Usage: impacket_client.py SRVSVC_PORT WKSSVC_PORT BIG_SRVSVC_PORT
# Prints one JSON object; impacket decodes every response with its own NDR
# definitions (impacket/dcerpc/v5/srvs.py, wkst.py).
import json
import sys

from impacket.dcerpc.v5 import rpcrt, srvs, transport, wkst
from impacket.dcerpc.v5.ndr import NULL
from impacket.dcerpc.v5.rpcrt import DCERPCException

srv_port, wks_port, big_port = (int(a) for a in sys.argv[1:4])
out = {}


def connect(port):
    t = transport.DCERPCTransportFactory('ncacn_ip_tcp:127.0.0.1[%d]' % port)
    dce = t.get_dce_rpc()
    dce.connect()
    return dce


def s(v):
    # impacket returns NDR strings with their terminating NUL.
    return v[:-1] if v.endswith('\x00') else v


def shares(resp, level):
    arr = resp['InfoStruct']['ShareInfo']['Level%d' % level]['Buffer']
    rows = []
    for e in arr:
        row = {'name': s(e['shi%d_netname' % level])}
        if level != 0:
            row['type'] = e['shi%d_type' % level]
            row['remark'] = s(e['shi%d_remark' % level])
        if level == 2:
            row['path'] = s(e['shi2_path'])
            row['max_uses'] = e['shi2_max_uses']
        if level == 501:
            row['flags'] = e['shi501_flags']
        if level == 502:
            row['path'] = s(e['shi502_path'])
            row['max_uses'] = e['shi502_max_uses']
            row['sd_size'] = e['shi502_reserved']
        rows.append(row)
    return rows


def err(f):
    try:
        f()
    except DCERPCException as e:
        code = e.get_error_code()
        return {'code': code, 'msg': str(e)}
    return {'code': None, 'msg': 'no error'}


dce = connect(srv_port)
dce.bind(srvs.MSRPC_UUID_SRVS)
for level in (0, 1, 2, 501, 502):
    resp = srvs.hNetrShareEnum(dce, level)
    out['enum%d' % level] = {
        'shares': shares(resp, level),
        'total': resp['TotalEntries'],
        'resume': resp['ResumeHandle'],
        'level': resp['InfoStruct']['Level'],
    }
resp = srvs.hNetrShareEnum(dce, 1, resumeHandle=2)
out['enum1_resume2'] = [r['name'] for r in shares(resp, 1)]
resp = srvs.hNetrShareEnumSticky(dce, 1)
out['sticky1'] = [r['name'] for r in shares(resp, 1)]
out['enum503'] = err(lambda: srvs.hNetrShareEnum(dce, 503))

for level in (0, 1, 2, 501):
    resp = srvs.hNetrShareGetInfo(dce, 'hidden$\x00', level)
    info = resp['InfoStruct']['ShareInfo%d' % level]
    row = {'name': s(info['shi%d_netname' % level])}
    if level != 0:
        row['type'] = info['shi%d_type' % level]
        row['remark'] = s(info['shi%d_remark' % level])
    if level == 2:
        row['path'] = s(info['shi2_path'])
    out['getinfo%d' % level] = row
out['getinfo_missing'] = err(lambda: srvs.hNetrShareGetInfo(dce, 'nosuch\x00', 1))
info = srvs.hNetrShareGetInfo(dce, 'docs\x00', 502)['InfoStruct']['ShareInfo502']
out['getinfo502'] = {'name': s(info['shi502_netname']), 'path': s(info['shi502_path']),
                     'sd_size': info['shi502_reserved']}
out['getinfo1004'] = s(srvs.hNetrShareGetInfo(dce, 'docs\x00', 1004)['InfoStruct']['ShareInfo1004']['shi1004_remark'])
out['getinfo1005'] = srvs.hNetrShareGetInfo(dce, 'docs\x00', 1005)['InfoStruct']['ShareInfo1005']['shi1005_flags']
out['getinfo1006'] = srvs.hNetrShareGetInfo(dce, 'docs\x00', 1006)['InfoStruct']['ShareInfo1006']['shi1006_max_uses']
out['getinfo_level1501'] = err(lambda: srvs.hNetrShareGetInfo(dce, 'hidden$\x00', 1501))
out['getinfo_missing1005'] = err(lambda: srvs.hNetrShareGetInfo(dce, 'nosuch\x00', 1005))

for level in (100, 101, 102):
    info = srvs.hNetrServerGetInfo(dce, level)['InfoStruct']['ServerInfo%d' % level]
    row = {'platform': info['sv%d_platform_id' % level], 'name': s(info['sv%d_name' % level])}
    if level != 100:
        row.update(major=info['sv%d_version_major' % level], minor=info['sv%d_version_minor' % level],
                   type=info['sv%d_type' % level], comment=s(info['sv%d_comment' % level]))
    if level == 102:
        row.update(users=info['sv102_users'], userpath=s(info['sv102_userpath']),
                   announce=info['sv102_announce'], licenses=info['sv102_licenses'])
    out['server%d' % level] = row
out['server_level7'] = err(lambda: srvs.hNetrServerGetInfo(dce, 7))

tod = srvs.hNetrRemoteTOD(dce)['BufferPtr']
out['tod'] = {k[4:]: tod[k] for k in ('tod_elapsedt', 'tod_hours', 'tod_mins', 'tod_secs', 'tod_hunds',
                                      'tod_timezone', 'tod_tinterval', 'tod_day', 'tod_month',
                                      'tod_year', 'tod_weekday')}

# Only administrators get sessions, tree connects and open files listed; the disks are anyone's.
out['sess_enum10'] = err(lambda: srvs.hNetrSessionEnum(dce, NULL, NULL, 10))
out['conn_enum1'] = err(lambda: srvs.hNetrConnectionEnum(dce, 'IPC$\x00', 1))
out['file_enum3'] = err(lambda: srvs.hNetrFileEnum(dce, NULL, NULL, 3))
out['file_enum2'] = err(lambda: srvs.hNetrFileEnum(dce, NULL, NULL, 2))
resp = srvs.hNetrServerDiskEnum(dce, 0)
out['disks'] = {'names': [s(e['Disk']) for e in resp['DiskInfoStruct']['Buffer']],
                'read': resp['DiskInfoStruct']['EntriesRead'], 'total': resp['TotalEntries']}


def bad_opnum():
    dce.call(99, b'')
    dce.recv()


out['bad_opnum'] = err(bad_opnum)

# A second presentation context through alter_context.
dce2 = dce.alter_ctx(srvs.MSRPC_UUID_SRVS)
out['alter_enum'] = [r['name'] for r in shares(srvs.hNetrShareEnum(dce2, 1), 1)]
dce.disconnect()

# Requests split into 16-byte fragments must be reassembled.
dce = connect(srv_port)
dce.bind(srvs.MSRPC_UUID_SRVS)
dce.set_max_fragment_size(16)
resp = srvs.hNetrShareGetInfo(dce, 'hidden$\x00', 2)
out['fragmented_request'] = s(resp['InfoStruct']['ShareInfo2']['shi2_path'])
dce.disconnect()

# Rejected binds.
dce = connect(srv_port)
out['bind_ndr64'] = err(lambda: dce.bind(srvs.MSRPC_UUID_SRVS, transfer_syntax=('71710533-BEBA-4937-8319-B5DBEF9CCC36', '1.0')))
dce.disconnect()
dce = connect(srv_port)
out['bind_wkssvc_on_srvsvc'] = err(lambda: dce.bind(wkst.MSRPC_UUID_WKST))
dce.disconnect()
# Bogus contexts before the real one are rejected one by one, the real one accepted.
dce = connect(srv_port)
dce.bind(srvs.MSRPC_UUID_SRVS, bogus_binds=2)
out['bogus_then_enum'] = len(shares(srvs.hNetrShareEnum(dce, 0), 0))
dce.disconnect()

# A response of many fragments.
dce = connect(big_port)
dce.bind(srvs.MSRPC_UUID_SRVS)
rows = shares(srvs.hNetrShareEnum(dce, 1), 1)
out['big'] = {'count': len(rows), 'first': rows[0], 'last': rows[-1]}
dce.disconnect()

dce = connect(wks_port)
dce.bind(wkst.MSRPC_UUID_WKST)
info = wkst.hNetrWkstaGetInfo(dce, 100)['WkstaInfo']['WkstaInfo100']
out['wksta100'] = {'platform': info['wki100_platform_id'], 'computer': s(info['wki100_computername']),
                   'langroup': s(info['wki100_langroup']), 'major': info['wki100_ver_major'],
                   'minor': info['wki100_ver_minor']}
info = wkst.hNetrWkstaGetInfo(dce, 101)['WkstaInfo']['WkstaInfo101']
out['wksta101'] = {'computer': s(info['wki101_computername']), 'langroup': s(info['wki101_langroup']),
                   'lanroot': s(info['wki101_lanroot'])}
out['wksta_level102'] = err(lambda: wkst.hNetrWkstaGetInfo(dce, 102))
out['wksta_level502'] = err(lambda: wkst.hNetrWkstaGetInfo(dce, 502))
out['wksta_user_enum'] = err(lambda: wkst.hNetrWkstaUserEnum(dce, 1))
dce.disconnect()

json.dump(out, sys.stdout, indent=1, sort_keys=True)

import sys, json
from impacket.smbconnection import SMBConnection
from impacket import smb3
from impacket.smb3structs import *
from impacket.nt_errors import ERROR_MESSAGES

share = sys.argv[1] if len(sys.argv) > 1 else 'ro'
c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=44555)
c.login('root', 'pw')
s = c.getSMBServer()
tid = c.connectTree(share)

def q(fid, itype, cls, outlen, addl=0):
    p = s.SMB_PACKET(); p['Command'] = SMB2_QUERY_INFO; p['TreeID'] = tid
    r = SMB2QueryInfo(); r['FileID'] = fid; r['InfoType'] = itype; r['FileInfoClass'] = cls
    r['OutputBufferLength'] = outlen; r['AdditionalInformation'] = addl; r['InputBufferOffset'] = 0
    r['Buffer'] = '\x00'; r['Flags'] = 0
    p['Data'] = r
    ans = s.recvSMB(s.sendSMB(p))
    st = ans['Status']
    data = b''
    try:
        rr = SMB2QueryInfo_Response(ans['Data']); data = rr['Buffer']
    except Exception:
        data = bytes(ans['Data'])
    return '%08x' % st, data.hex()

def qdir(fid, cls, outlen, flags=0, pattern='*'):
    p = s.SMB_PACKET(); p['Command'] = SMB2_QUERY_DIRECTORY; p['TreeID'] = tid
    r = SMB2QueryDirectory(); r['FileInformationClass'] = cls; r['Flags'] = flags; r['FileIndex'] = 0
    r['FileID'] = fid; r['OutputBufferLength'] = outlen; r['FileNameLength'] = len(pattern)*2
    r['Buffer'] = pattern.encode('utf-16le')
    p['Data'] = r
    ans = s.recvSMB(s.sendSMB(p))
    st = ans['Status']
    try:
        rr = SMB2QueryDirectory_Response(ans['Data']); data = rr['Buffer']
    except Exception:
        data = bytes(ans['Data'])
    return '%08x' % st, data.hex()

out = {}
files = ['hello.txt', 'subdir', 'subdir\\longer_name_file.txt', '']
for f in (files if len(sys.argv) < 3 else files[:2]):
    fid = s.create(tid, f, FILE_READ_DATA|FILE_READ_ATTRIBUTES|FILE_READ_EA|READ_CONTROL, FILE_SHARE_READ|FILE_SHARE_WRITE, 0, FILE_OPEN, 0)
    ent = {}
    for cls in [4,5,6,7,8,9,12,14,16,17,18,21,22,28,34,35,48,60,1,99]:
        res = {}
        for n in sys.argv[2:] and [int(x) for x in sys.argv[2:]] or [0,1,4,7,8,15,16,23,24,39,40,55,56,63,64,99,100,101,102,103,104,105,110,128,200,4096]:
            res[n] = q(fid, SMB2_0_INFO_FILE, cls, n)
        ent['file%d' % cls] = res
    for cls in [1,2,3,4,5,6,7,8,11,99]:
        res = {}
        for n in [0,1,7,8,11,12,17,18,19,23,24,27,28,31,32,40,63,64,4096]:
            res[n] = q(fid, SMB2_0_INFO_FILESYSTEM, cls, n)
        ent['fs%d' % cls] = res
    for addl in [1,2,4,7,8,15]:
        res = {}
        for n in [0,1,20,4096]:
            res[n] = q(fid, SMB2_0_INFO_SECURITY, 0, n, addl)
        ent['sec%d' % addl] = res
    out[f] = ent
    s.close(tid, fid)

dirs = {}
for cls in [1,2,3,12,37,38,60]:
    res = {}
    for n in [65536, 200, 104, 150, 300]:
        fid = s.create(tid, 'subdir', FILE_READ_DATA|FILE_READ_ATTRIBUTES|FILE_LIST_DIRECTORY, FILE_SHARE_READ|FILE_SHARE_WRITE, FILE_DIRECTORY_FILE, FILE_OPEN, 0)
        res[n] = qdir(fid, cls, n)
        s.close(tid, fid)
    dirs[cls] = res
out['dirs'] = dirs
json.dump(out, sys.stdout, indent=1)

/* JSAds client: builds listing and detail pages from /jsads/api/*. Text goes through textContent. */
(function(){
function el(tag, cls, text){var e=document.createElement(tag); if(cls){e.className=cls;} if(text!=null){e.textContent=text;} return e;}
var app=document.getElementById('app'); var qs=new URLSearchParams(location.search);
function list(){
  var page=parseInt(qs.get('page')||'1',10);
  fetch('/jsads/api/list?page='+page).then(function(r){return r.json();}).then(function(d){
    app.appendChild(el('h1','js-heading','Annoncer / Ads – side '+d.page+' af '+d.pages));
    var ul=el('ul','js-list');
    d.ads.forEach(function(a){var li=el('li','js-item'); var l=el('a','js-link',a.title); l.href=a.url;
      li.appendChild(l); li.appendChild(el('span','js-item-city',' '+a.city)); ul.appendChild(li);});
    app.appendChild(ul);
    if(d.page<d.pages){var n=el('a','js-next','Næste / Next'); n.href='/jsads/?page='+(d.page+1); n.rel='next'; app.appendChild(n);}
    app.setAttribute('data-ready','1');
  });
}
function detail(){
  var id=qs.get('id');
  fetch('/jsads/api/ad/'+encodeURIComponent(id)).then(function(r){
    if(!r.ok){app.appendChild(el('p','js-error','Annoncen findes ikke / ad not found')); app.setAttribute('data-ready','1'); return null;}
    return r.json();}).then(function(a){ if(!a){return;}
    document.title=a.title+' – JSAds';
    var art=el('article','js-ad'); art.setAttribute('data-id',a.id);
    art.appendChild(el('h1','js-title',a.title));
    var meta=el('div','js-meta'); meta.appendChild(el('span','js-city',a.city));
    if(a.age){meta.appendChild(el('span','js-age',a.age));}
    if(a.price){meta.appendChild(el('span','js-price',a.price));}
    var t=el('time','js-posted',a.posted); t.setAttribute('datetime',a.posted); meta.appendChild(t); art.appendChild(meta);
    var ph=el('div','js-photos'); a.photos.forEach(function(u){var i=el('img','js-photo'); i.src=u; i.alt=''; ph.appendChild(i);});
    art.appendChild(ph); art.appendChild(el('div','js-text',a.text));
    var c=el('div','js-contact');
    a.contact.forEach(function(x){
      if(x.type==='tel'){var l=el('a','js-phone',x.display); l.href=x.href; c.appendChild(l);}
      else if(x.type==='wa'){var w=el('a','js-wa',x.display); w.href=x.href; c.appendChild(w);}
      else if(x.type==='text'){c.appendChild(el('span','js-phone-text',x.display));}
      else if(x.type==='reveal'){var b=el('button','js-reveal','Vis nummer / Show number'); var s=el('span','js-revealed');
        b.addEventListener('click',function(){fetch(x.url).then(function(r){return r.json();}).then(function(j){
          var l=el('a','js-phone',j.phone); l.href='tel:'+j.e164; s.appendChild(l); b.remove();});});
        c.appendChild(b); c.appendChild(s);}
    });
    art.appendChild(c); app.appendChild(art); app.setAttribute('data-ready','1');
  });
}
if(location.pathname.indexOf('/jsads/ad.html')===0){detail();} else {list();}
})();
